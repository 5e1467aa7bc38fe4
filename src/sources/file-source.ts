// Watches the config file and hands each new version to a callback. A text whose sha256 did not
// change is skipped (editors touch files without changing them), unless the reload is forced
// (SIGHUP).
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { watchFiles, type FileWatch } from './watch-files.js'

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
  #watch: FileWatch | undefined
  #lastHash: string | undefined

  constructor(options: FileSourceOptions, initialText?: string) {
    this.#file = resolve(options.file)
    this.#options = options
    if (initialText !== undefined) this.#lastHash = sha256(initialText)
  }

  start(): void {
    this.#watch = watchFiles([this.#file], () => void this.#read(false), this.#options.onError, this.#options.debounceMs)
  }

  /** Re-reads now (SIGHUP). */
  trigger(): void {
    void this.#read(true)
  }

  stop(): void {
    this.#watch?.close()
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
