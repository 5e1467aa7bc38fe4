// Watches the config file for changes and hands each new version to a callback. It watches the
// *directory*, not the file: editors save by rename and Kubernetes swaps a `..data` symlink, and
// both replace the inode a file watch would be stuck on. Events are debounced, and a text whose
// sha256 did not change is skipped.
import { createHash } from 'node:crypto'
import { watch, type FSWatcher } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname, resolve } from 'node:path'

export interface FileSourceOptions {
  readonly file: string
  readonly debounceMs?: number
  /** Called with the new text; `force` is set for SIGHUP-style reloads of an unchanged file. */
  readonly onChange: (text: string, force: boolean) => void
  readonly onError: (error: Error) => void
}

export class FileSource {
  readonly #file: string
  readonly #options: FileSourceOptions
  #watcher: FSWatcher | undefined
  #timer: NodeJS.Timeout | undefined
  #lastHash: string | undefined

  constructor(options: FileSourceOptions, initialText?: string) {
    this.#file = resolve(options.file)
    this.#options = options
    if (initialText !== undefined) this.#lastHash = sha256(initialText)
  }

  start(): void {
    const name = basename(this.#file)
    this.#watcher = watch(dirname(this.#file), { persistent: false }, (_event, changed) => {
      // `..data` is the Kubernetes ConfigMap symlink swap; null means the platform did not say.
      if (changed === null || changed === name || changed === '..data') this.#schedule()
    })
    this.#watcher.on('error', (error) => this.#options.onError(error))
  }

  /** Re-reads now (SIGHUP). */
  trigger(): void {
    void this.#read(true)
  }

  stop(): void {
    clearTimeout(this.#timer)
    this.#watcher?.close()
  }

  #schedule(): void {
    clearTimeout(this.#timer)
    this.#timer = setTimeout(() => void this.#read(false), this.#options.debounceMs ?? 200)
    this.#timer.unref()
  }

  async #read(force: boolean): Promise<void> {
    let text: string
    try {
      text = await readFile(this.#file, 'utf8')
    } catch (error) {
      // A save in progress (the file briefly missing); the next event brings the new version.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') this.#options.onError(error as Error)
      return
    }
    const hash = sha256(text)
    if (hash === this.#lastHash && !force) return
    this.#lastHash = hash
    this.#options.onChange(text, force)
  }
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
