// Watches a set of files for changes by watching their *directories*: editors save by rename and
// Kubernetes swaps a `..data` symlink, and both replace the inode a per-file watch would be stuck
// on. Bursts of events are debounced into one callback.
import { watch, type FSWatcher } from 'node:fs'
import { basename, dirname, resolve } from 'node:path'

export interface FileWatch {
  close(): void
}

export function watchFiles(files: readonly string[], onChange: () => void, onError: (error: Error) => void, debounceMs = 200): FileWatch {
  const byDirectory = new Map<string, Set<string>>()
  for (const file of files.map((f) => resolve(f))) {
    const names = byDirectory.get(dirname(file)) ?? new Set<string>()
    names.add(basename(file))
    byDirectory.set(dirname(file), names)
  }
  let timer: NodeJS.Timeout | undefined
  const schedule = (): void => {
    clearTimeout(timer)
    timer = setTimeout(onChange, debounceMs)
    timer.unref()
  }
  const watchers: FSWatcher[] = []
  for (const [directory, names] of byDirectory) {
    try {
      const watcher = watch(directory, { persistent: false }, (_event, changed) => {
        // `..data` is the Kubernetes ConfigMap/Secret symlink swap; null means the platform did not say.
        if (changed === null || names.has(changed) || changed === '..data') schedule()
      })
      watcher.on('error', onError)
      watchers.push(watcher)
    } catch (error) {
      onError(error as Error)
    }
  }
  return {
    close() {
      clearTimeout(timer)
      for (const watcher of watchers) watcher.close()
    },
  }
}
