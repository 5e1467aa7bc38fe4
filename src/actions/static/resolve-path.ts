// The request path → file path segments under the static root, refusing every way out of it:
// `..` (also as %2e%2e), encoded separators (%2f, %5c), backslashes, NUL bytes and, unless
// allowed, dotfiles. Pure string work; symlinks are checked against the real root in file-lookup.ts.

export type PathOutcome =
  /** Safe, decoded segments (empty for the root itself). */
  | { readonly ok: true; readonly segments: readonly string[] }
  /** 400 for a malformed escape, 404 for a path that cannot name a file under the root. */
  | { readonly ok: false; readonly status: 400 | 404 }

const MALFORMED: PathOutcome = Object.freeze({ ok: false, status: 400 })
const REFUSED: PathOutcome = Object.freeze({ ok: false, status: 404 })
/** RFC 8615: well-known URIs (ACME challenges, security.txt) are served even when dotfiles are not. */
const WELL_KNOWN = '.well-known'

/**
 * Splits and decodes the part of the path below the route's prefix. Each segment is decoded once,
 * then must still be one plain name: a decoded `/` or `\` would cross a directory boundary.
 * @example resolveRequestPath('css/site%20v2.css', false) // { ok: true, segments: ['css', 'site v2.css'] }
 */
export function resolveRequestPath(encoded: string, allowDotfiles: boolean): PathOutcome {
  const segments: string[] = []
  for (const raw of encoded.split('/')) {
    if (raw === '') continue
    let segment = raw
    if (raw.includes('%')) {
      try {
        segment = decodeURIComponent(raw)
      } catch {
        return MALFORMED // a bad escape or invalid UTF-8 (RFC 3986 §2.1)
      }
    }
    if (segment === '.' || segment === '..') return REFUSED
    if (segment.includes('/') || segment.includes('\\') || segment.includes('\0')) return REFUSED
    if (!allowDotfiles && segment.charCodeAt(0) === 0x2e /* . */ && segment !== WELL_KNOWN) return REFUSED
    segments.push(segment)
  }
  return { ok: true, segments }
}
