// Request-target → the path routes are matched against (RFC 9112 §3.2, RFC 3986 §6.2.2). Dot
// segments are removed (also when percent-encoded, as `%2e%2e`), so `/public/../admin` cannot
// slip past a route meant for `/admin`. Other escapes, `%2F` included, are kept as sent.

export interface RequestTarget {
  readonly path: string
  /** The query without `?`, or '' when there is none. */
  readonly query: string
}

const UNRESERVED = /%(2[dDeE]|5[fF]|7[eE]|3[0-9]|[46][1-9a-fA-F]|[57][0-9aA])/g

/** Splits and normalizes a request-target; undefined when it cannot be a path (a 400). */
export function normalizeTarget(target: string): RequestTarget | undefined {
  const pathEnd = target.indexOf('?')
  const hash = target.indexOf('#')
  if (hash !== -1 && (pathEnd === -1 || hash < pathEnd)) return undefined // fragments never go on the wire
  let path = pathEnd === -1 ? target : target.slice(0, pathEnd)
  const query = pathEnd === -1 ? '' : target.slice(pathEnd + 1)
  if (path.charCodeAt(0) !== 47 /* / */) {
    // absolute-form (RFC 9112 §3.2.2): keep only the path of http(s)://authority/path
    const match = /^https?:\/\/[^/]*(\/.*)?$/i.exec(path)
    if (!match) return undefined
    path = match[1] ?? '/'
  }
  if (path.includes('%')) {
    if (/%(?![0-9a-fA-F]{2})/.test(path)) return undefined
    path = path.replace(UNRESERVED, (escape) => String.fromCharCode(parseInt(escape.slice(1), 16)))
    if (/%00/.test(path)) return undefined
  }
  if (path.includes('/.')) path = removeDotSegments(path)
  return { path, query }
}

/** RFC 3986 §5.2.4, for an absolute path. */
export function removeDotSegments(path: string): string {
  const output: string[] = []
  const segments = path.split('/')
  for (let i = 1; i < segments.length; i++) {
    const segment = segments[i] as string
    if (segment === '..') {
      if (output.length > 0) output.pop()
      if (i === segments.length - 1) output.push('')
    } else if (segment === '.') {
      if (i === segments.length - 1) output.push('')
    } else {
      output.push(segment)
    }
  }
  return `/${output.join('/')}`
}
