// The static action: serves files from a directory with the HTTP caching and range semantics
// browsers and CDNs expect (validators, 304/412, 206/416, HEAD), index files, an optional
// single-page-app fallback and precompressed siblings. Files are streamed, never read whole.
import { statSync } from 'node:fs'
import { resolve as resolvePath } from 'node:path'
import type { Exchange } from '../../exchange/exchange.js'
import { LocalReply } from '../../exchange/local-reply.js'
import type { Logger } from '../../observability/logger.js'
import type { RouteAction } from '../../pipeline/compiled-route.js'
import { fail, reply } from '../../pipeline/run-exchange.js'
import { EncodingNegotiator } from '../../exchange/accept-encoding.js'
import { hasExtension } from './content-type.js'
import { FileLookup, type FoundDirectory, type OpenFile, type SiblingCoding } from './file-lookup.js'
import { sendFile, type SendFileSettings } from './send-file.js'
import { resolveRequestPath } from './resolve-path.js'

/** `routes[].static` as configured. */
export interface StaticSpec {
  /** The directory to serve, relative to the config file's directory. */
  readonly root: string
  /** File served for a directory path ending in `/`; false: none (404). Default index.html. */
  readonly index?: string | false
  /** Serve the index file for unknown paths without an extension (client-side routing). */
  readonly spa?: boolean
  readonly cacheControl?: string
  /** Serve `<file>.br` / `<file>.gz` when present and accepted. */
  readonly precompressed?: boolean
  /** Serve names starting with `.` (`.well-known` is always served). */
  readonly dotfiles?: boolean
}

export const DEFAULT_INDEX = 'index.html'
export const DEFAULT_CACHE_CONTROL = 'no-cache'

const PRECOMPRESSED_CODINGS: readonly SiblingCoding[] = ['br', 'gzip']

const NOT_FOUND = LocalReply.fromCode('ERR_NOT_FOUND')
const BAD_PATH = LocalReply.fromCode('ERR_BAD_REQUEST', 'The request path is not a valid file path')
const METHOD_NOT_ALLOWED = LocalReply.error(405, 'ERR_METHOD_NOT_ALLOWED', 'Static files answer only GET and HEAD', { allow: 'GET, HEAD' })

export class StaticAction implements RouteAction {
  readonly kind = 'static'
  readonly #lookup: FileLookup
  readonly #index: string | undefined
  /** The file a single-page app falls back to, or undefined when `spa` is off. */
  readonly #spaFallback: string | undefined
  readonly #dotfiles: boolean
  readonly #negotiator: EncodingNegotiator<SiblingCoding> | undefined
  readonly #settings: SendFileSettings

  constructor(spec: StaticSpec, baseDir: string, log?: Logger) {
    const root = resolvePath(baseDir, spec.root)
    this.#lookup = new FileLookup(root)
    this.#index = spec.index === false ? undefined : (spec.index ?? DEFAULT_INDEX)
    this.#spaFallback = spec.spa === true ? (this.#index ?? DEFAULT_INDEX) : undefined
    this.#dotfiles = spec.dotfiles ?? false
    this.#negotiator = spec.precompressed === true ? new EncodingNegotiator(PRECOMPRESSED_CODINGS) : undefined
    this.#settings = { cacheControl: spec.cacheControl ?? DEFAULT_CACHE_CONTROL, precompressed: spec.precompressed === true }
    // Config load, not the request path: a sync check is fine here. A missing root is not fatal
    // (it may be deployed later), but it deserves a word in the log.
    if (!isDirectory(root)) log?.warn({ root }, 'static root is not a directory (yet); requests will get 404')
  }

  handle(ex: Exchange): void {
    const method = ex.request.method
    if (method !== 'GET' && method !== 'HEAD') return reply(ex, METHOD_NOT_ALLOWED)
    // Below a prefix route (`/assets/*`) the remainder; on an exact route, the whole path.
    const path = resolveRequestPath(ex.params?.['*'] ?? ex.request.path, this.#dotfiles)
    if (!path.ok) return reply(ex, path.status === 400 ? BAD_PATH : NOT_FOUND)
    // A directory is only served as such at a URL ending in `/`, so its relative links resolve.
    void this.#serve(ex, path.segments, ex.request.path.endsWith('/'))
  }

  describe(): string {
    return `static files from ${this.#lookup.root}`
  }

  async #serve(ex: Exchange, segments: readonly string[], directory: boolean): Promise<void> {
    let file: OpenFile | undefined
    try {
      const found = await this.#find(segments, directory)
      if (found === 'redirect') return redirectToDirectory(ex)
      file = found
      if (file === undefined) return reply(ex, NOT_FOUND)
      file = await this.#preferPrecompressed(ex, file)
      if (ex.finished) return void (await file.handle.close())
      const served = file
      file = undefined // sendFile owns the handle now
      sendFile(ex, served, this.#settings)
    } catch (error) {
      await file?.handle.close().catch(() => undefined)
      fail(ex, error)
    }
  }

  /** The file for a path: itself, a directory's index, or the SPA fallback; 'redirect' for `/dir`. */
  async #find(segments: readonly string[], directory: boolean): Promise<OpenFile | 'redirect' | undefined> {
    let found: OpenFile | FoundDirectory | undefined = await this.#lookup.find(segments)
    if (found?.kind === 'directory') {
      // Relative links in the index resolve against the URL: it must end in `/` (as nginx does).
      if (!directory) return 'redirect'
      found = this.#index === undefined ? undefined : await this.#lookup.findIn(found, this.#index)
    }
    if (found?.kind === 'file') return found
    const last = segments[segments.length - 1]
    if (this.#spaFallback !== undefined && (last === undefined || !hasExtension(last))) {
      const fallback = await this.#lookup.find([this.#spaFallback])
      if (fallback?.kind === 'file') return fallback
    }
    return undefined
  }

  /** Swaps in a `.br`/`.gz` sibling when the client accepts it and it exists; first acceptable wins. */
  async #preferPrecompressed(ex: Exchange, file: OpenFile): Promise<OpenFile> {
    if (this.#negotiator === undefined) return file
    for (const coding of this.#negotiator.negotiate(ex.request.header('accept-encoding'))) {
      const sibling = await this.#lookup.findSibling(file, coding)
      if (sibling !== undefined) {
        await file.handle.close()
        return sibling
      }
    }
    return file
  }
}

/** `/docs` → 301 `/docs/`, query kept. Leading slashes collapse so `//host` cannot become an open redirect. */
function redirectToDirectory(ex: Exchange): void {
  const query = ex.request.query === '' ? '' : `?${ex.request.query}`
  const location = `/${ex.request.path.replace(/^\/+/, '')}/${query}`
  reply(ex, new LocalReply(301, null, { location }))
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory()
  } catch {
    return false
  }
}
