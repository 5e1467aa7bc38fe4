// Cache-Control parsing (RFC 9111 §5.2): directive names are case-insensitive, values may be
// quoted, and a repeated or malformed directive must not make a response cacheable by accident.

export interface Directives {
  readonly has: (name: string) => boolean
  /** A delta-seconds directive (max-age, s-maxage...) in seconds, or undefined. */
  readonly seconds: (name: string) => number | undefined
}

const EMPTY: Directives = { has: () => false, seconds: () => undefined }

export function parseCacheControl(header: string | undefined): Directives {
  if (header === undefined || header === '') return EMPTY
  const values = new Map<string, string | true>()
  for (const part of header.split(',')) {
    const trimmed = part.trim()
    if (trimmed === '') continue
    const eq = trimmed.indexOf('=')
    const name = (eq === -1 ? trimmed : trimmed.slice(0, eq)).trim().toLowerCase()
    const raw = eq === -1 ? true : trimmed.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1')
    // A duplicated delta-seconds directive is invalid; RFC 9111 §4.2.1 says use the most
    // restrictive reading, so keep the smaller value.
    const previous = values.get(name)
    if (typeof previous === 'string' && typeof raw === 'string' && /^\d+$/.test(previous) && /^\d+$/.test(raw)) {
      values.set(name, String(Math.min(Number(previous), Number(raw))))
    } else values.set(name, raw)
  }
  return {
    has: (name) => values.has(name),
    seconds: (name) => {
      const value = values.get(name)
      return typeof value === 'string' && /^\d+$/.test(value) ? Number(value) : undefined
    },
  }
}
