// Decides from a Content-Type whether a body is worth compressing, or must be flushed per write.
// Patterns (`text/*`, `application/*+json`, exact types) compile once into sets; a lookup is one
// parse of the header. For compression, event streams only match when listed exactly.

/** Types a wildcard never covers when choosing what to compress: Server-Sent Events. */
export const EXACT_ONLY_TYPES: ReadonlySet<string> = new Set(['text/event-stream'])

export class MediaTypeMatcher {
  readonly #exact = new Set<string>()
  /** `text/*` → `text/` */
  readonly #typePrefixes: string[] = []
  /** `application/*+json` → [`application/`, `+json`] */
  readonly #suffixes: Array<readonly [string, string]> = []

  /** Types that match only when listed exactly, not through `type/*` or `type/*+suffix`. */
  readonly #exactOnly: ReadonlySet<string>

  /** Patterns are `type/subtype`, `type/*` or `type/*+suffix`; case-insensitive. */
  constructor(patterns: readonly string[], exactOnly: ReadonlySet<string> = EXACT_ONLY_TYPES) {
    this.#exactOnly = exactOnly
    for (const raw of patterns) {
      const pattern = raw.trim().toLowerCase()
      const slash = pattern.indexOf('/')
      const subtype = pattern.slice(slash + 1)
      if (subtype === '*') this.#typePrefixes.push(pattern.slice(0, slash + 1))
      else if (subtype.startsWith('*+')) this.#suffixes.push([pattern.slice(0, slash + 1), subtype.slice(1)])
      else this.#exact.add(pattern)
    }
  }

  /** Whether the Content-Type's media type (parameters ignored) matches a pattern. */
  matches(contentType: string | undefined): boolean {
    const mediaType = essence(contentType)
    if (mediaType === '') return false
    if (this.#exact.has(mediaType)) return true
    if (this.#exactOnly.has(mediaType)) return false
    for (const prefix of this.#typePrefixes) if (mediaType.startsWith(prefix)) return true
    for (const [prefix, suffix] of this.#suffixes) if (mediaType.startsWith(prefix) && mediaType.endsWith(suffix)) return true
    return false
  }
}

/** `Text/HTML; charset=utf-8` → `text/html` (RFC 9110 §8.3.1). */
function essence(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}
