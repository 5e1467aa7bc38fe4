// Which request bodies the WAF reads and how it takes them apart: patterns (`text/plain`,
// `text/*`, `application/*+json`) compile once into sets; a lookup is one parse of Content-Type.
// JSON is parsed so each string is inspected on its own (not the quotes around it); a form body is
// split into fields like a query; anything else is one text value.

export type BodyKind = 'json' | 'form' | 'text'

export const DEFAULT_BODY_TYPES = ['application/json', 'application/x-www-form-urlencoded', 'text/plain'] as const

export class BodyTypes {
  readonly #exact = new Set<string>()
  /** `text/*` → `text/` */
  readonly #typePrefixes: string[] = []
  /** `application/*+json` → [`application/`, `+json`] */
  readonly #suffixes: Array<readonly [string, string]> = []

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

  /** The media type to inspect as, or undefined when the body is not one of the listed types. */
  match(contentType: string | undefined): BodyKind | undefined {
    const mediaType = essence(contentType)
    if (mediaType === '') return undefined
    if (this.#exact.has(mediaType) || this.#typePrefixes.some((prefix) => mediaType.startsWith(prefix)) || this.#suffixes.some(([prefix, suffix]) => mediaType.startsWith(prefix) && mediaType.endsWith(suffix))) {
      return bodyKind(mediaType)
    }
    return undefined
  }
}

/** `application/json`, `…+json` → json; the urlencoded form → form; the rest → text. */
export function bodyKind(mediaType: string): BodyKind {
  if (mediaType === 'application/x-www-form-urlencoded') return 'form'
  if (mediaType === 'application/json' || mediaType.endsWith('+json')) return 'json'
  return 'text'
}

/** `Application/JSON; charset=utf-8` → `application/json` (RFC 9110 §8.3.1). */
function essence(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}
