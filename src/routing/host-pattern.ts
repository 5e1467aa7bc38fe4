// Host patterns: exact `api.example.com` and wildcard `*.example.com` (one or more labels, as in
// Envoy and Traefik), compared case-insensitively and without the port.

export interface CompiledHostPattern {
  readonly source: string
  /** 2 = exact, 1 = wildcard; longer wildcard suffixes rank above shorter ones via `suffixLength`. */
  readonly kind: 'exact' | 'wildcard'
  readonly suffixLength: number
  match(host: string): boolean
}

export function compileHostPattern(pattern: string): CompiledHostPattern {
  const lower = stripPort(pattern.toLowerCase())
  if (lower.startsWith('*.')) {
    const suffix = lower.slice(1) // ".example.com"
    return { source: pattern, kind: 'wildcard', suffixLength: suffix.length, match: (host) => host.length > suffix.length && host.endsWith(suffix) }
  }
  return { source: pattern, kind: 'exact', suffixLength: lower.length, match: (host) => host === lower }
}

/**
 * The host name a request addressed: the Host header (or HTTP/2 :authority) lower-cased, without
 * the port or a trailing dot. IPv6 literals keep their brackets.
 */
export function normalizeHost(raw: string | undefined): string {
  if (!raw) return ''
  let host = raw.toLowerCase()
  host = stripPort(host)
  if (host.endsWith('.')) host = host.slice(0, -1)
  return host
}

function stripPort(host: string): string {
  if (host.startsWith('[')) {
    const end = host.indexOf(']')
    return end === -1 ? host : host.slice(0, end + 1)
  }
  const colon = host.indexOf(':')
  return colon === -1 ? host : host.slice(0, colon)
}
