// Decides from a Content-Type whether a body is worth compressing. Patterns (`text/*`,
// `application/*+json`, exact types) compile once into sets; a lookup is one parse of the header.
// Event streams only match when listed exactly: compressing them needs a flush per event.

/** Media types whose bytes must reach the client as soon as they are written. */
const STREAMING_TYPES = new Set(['text/event-stream'])

export class MediaTypeMatcher {
  readonly #exact = new Set<string>()
  /** `text/*` → `text/` */
  readonly #typePrefixes: string[] = []
  /** `application/*+json` → [`application/`, `+json`] */
  readonly #suffixes: Array<readonly [string, string]> = []

  /** Patterns are `type/subtype`, `type/*` or `type/*+suffix`; case-insensitive. */
  constructor(patterns: readonly string[]) {
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
    if (STREAMING_TYPES.has(mediaType)) return false
    for (const prefix of this.#typePrefixes) if (mediaType.startsWith(prefix)) return true
    for (const [prefix, suffix] of this.#suffixes) if (mediaType.startsWith(prefix) && mediaType.endsWith(suffix)) return true
    return false
  }
}

/** Whether bytes of this Content-Type must be flushed as they come (Server-Sent Events). */
export function isStreamingType(contentType: string | undefined): boolean {
  return STREAMING_TYPES.has(essence(contentType))
}

/** `Text/HTML; charset=utf-8` → `text/html` (RFC 9110 §8.3.1). */
function essence(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}
