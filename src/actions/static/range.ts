// Range header parsing for the static action (RFC 9110 §14.1.2, §14.2): one satisfiable byte range
// is served as a 206, none as a 416, and anything else (other units, bad syntax, several ranges)
// as the whole file, which the RFC allows and which spares us multipart/byteranges.

/** Inclusive byte positions, as in Content-Range. */
export interface ByteRange {
  readonly start: number
  readonly end: number
}

/** Parse outcome: a range to send, `unsatisfiable` (416), or undefined to send the whole file. */
export type RangeOutcome = ByteRange | 'unsatisfiable' | undefined

/** More ranges than this is not a real client; ignore the header rather than parse it all. */
const MAX_RANGES = 64
const DIGITS = /^[0-9]+$/

export function parseRange(header: string | undefined, size: number): RangeOutcome {
  if (header === undefined) return undefined
  const equals = header.indexOf('=')
  if (equals === -1 || header.slice(0, equals).trim().toLowerCase() !== 'bytes') return undefined
  const specs = header.slice(equals + 1).split(',')
  if (specs.length > MAX_RANGES) return undefined
  let found: ByteRange | undefined
  let satisfiable = 0
  let listed = 0
  for (const raw of specs) {
    const spec = raw.trim()
    if (spec === '') continue // RFC 9110 §5.6.1: empty list elements are allowed and ignored
    listed++
    const dash = spec.indexOf('-')
    if (dash === -1) return undefined
    const first = spec.slice(0, dash).trim()
    const last = spec.slice(dash + 1).trim()
    let range: ByteRange | undefined
    if (first === '') {
      // suffix-range: the last N bytes
      if (!DIGITS.test(last)) return undefined
      const length = Number(last)
      if (length > 0 && size > 0) range = { start: Math.max(0, size - length), end: size - 1 }
    } else {
      if (!DIGITS.test(first) || (last !== '' && !DIGITS.test(last))) return undefined
      const start = Number(first)
      const end = last === '' ? Number.POSITIVE_INFINITY : Number(last)
      if (end < start) return undefined // an invalid int-range makes the whole header invalid
      if (start < size) range = { start, end: Math.min(end, size - 1) }
    }
    if (range !== undefined) {
      satisfiable++
      found ??= range
    }
  }
  if (listed === 0) return undefined
  if (satisfiable === 0) return 'unsatisfiable'
  return satisfiable === 1 ? found : undefined
}

/** `bytes 0-499/1234` (RFC 9110 §14.4). */
export function contentRange(range: ByteRange, size: number): string {
  return `bytes ${range.start}-${range.end}/${size}`
}

/** `bytes *\/1234`, sent with a 416 so the client learns the current length. */
export function unsatisfiedRange(size: number): string {
  return `bytes */${size}`
}
