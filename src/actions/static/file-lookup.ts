// Opens files under a static root without ever leaving it: each path is resolved with realpath and
// must stay inside the root's real path (a symlink pointing out is refused), then opened and
// fstat'ed through one handle, so what is served is what was checked. All calls are async.
import { constants, type Stats } from 'node:fs'
import { open, realpath, type FileHandle } from 'node:fs/promises'
import { join, sep } from 'node:path'

/** The codings a precompressed sibling file may have, by file suffix. */
export type SiblingCoding = 'br' | 'gzip'
const SIBLING_SUFFIX: Readonly<Record<SiblingCoding, string>> = { br: '.br', gzip: '.gz' }

/** An open regular file: the caller must close `handle` or hand it to a stream that will. */
export interface OpenFile {
  readonly kind: 'file'
  readonly handle: FileHandle
  readonly stats: Stats
  /** The path as requested under the root (its name decides the Content-Type). */
  readonly requestedPath: string
  /** The resolved path inside the real root. */
  readonly realPath: string
  /** Set for a precompressed sibling: the Content-Encoding of its bytes. */
  readonly coding?: SiblingCoding
}

export interface FoundDirectory {
  readonly kind: 'directory'
  readonly realPath: string
}

/** Never blocks on a FIFO (O_NONBLOCK); never follows a symlink swapped in after realpath (O_NOFOLLOW). */
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0)
/** Errors that mean "there is no such file for this request", not a fault. */
const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ELOOP', 'ENAMETOOLONG', 'EACCES', 'EPERM', 'EISDIR'])

function isNotFound(error: unknown): boolean {
  return NOT_FOUND_CODES.has((error as NodeJS.ErrnoException).code ?? '')
}

export class FileLookup {
  /** The root as configured, made absolute. */
  readonly root: string
  /** The root with symlinks resolved; re-read when a path seems outside (the root link was swapped). */
  #realRoot: string | undefined

  constructor(root: string) {
    this.root = root
  }

  /** Finds `segments` (already checked by resolveRequestPath) under the root. */
  find(segments: readonly string[]): Promise<OpenFile | FoundDirectory | undefined> {
    return this.#openInside(join(this.root, ...segments))
  }

  /** Finds a file named `name` inside a directory already found (the index file). */
  findIn(directory: FoundDirectory, name: string): Promise<OpenFile | FoundDirectory | undefined> {
    return this.#openInside(join(directory.realPath, name))
  }

  /**
   * Opens the precompressed sibling `<file>.br` / `<file>.gz`. Its directory is the file's real
   * one, inside the root, and O_NOFOLLOW refuses a sibling that is itself a symlink.
   */
  async findSibling(file: OpenFile, coding: SiblingCoding): Promise<OpenFile | undefined> {
    const found = await this.#openReal(file.requestedPath, file.realPath + SIBLING_SUFFIX[coding])
    return found?.kind === 'file' ? { ...found, coding } : undefined
  }

  async #openInside(candidate: string): Promise<OpenFile | FoundDirectory | undefined> {
    let real: string
    try {
      real = await realpath(candidate)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
    if (!(await this.#isInsideRoot(real))) return undefined
    return this.#openReal(candidate, real)
  }

  async #isInsideRoot(real: string): Promise<boolean> {
    const cached = this.#realRoot
    if (cached !== undefined && isWithin(real, cached)) return true
    try {
      this.#realRoot = await realpath(this.root)
    } catch (error) {
      if (isNotFound(error)) return false
      throw error
    }
    return this.#realRoot !== cached && isWithin(real, this.#realRoot)
  }

  async #openReal(requestedPath: string, realPath: string): Promise<OpenFile | FoundDirectory | undefined> {
    let handle: FileHandle
    try {
      handle = await open(realPath, OPEN_FLAGS)
    } catch (error) {
      if (isNotFound(error)) return undefined
      throw error
    }
    let stats: Stats
    try {
      stats = await handle.stat()
    } catch (error) {
      await handle.close()
      throw error
    }
    if (stats.isFile()) return { kind: 'file', handle, stats, requestedPath, realPath }
    await handle.close()
    // Directories are listed by nothing; devices, sockets and FIFOs are never served.
    return stats.isDirectory() ? { kind: 'directory', realPath } : undefined
  }
}

function isWithin(path: string, root: string): boolean {
  if (path === root) return true
  const prefix = root.endsWith(sep) ? root : root + sep
  return path.startsWith(prefix)
}
