// Accept-Encoding negotiation (RFC 9110 §12.5.3): which of the codings we can produce does the
// client want, best first. Shared by the compression policy and the static action's precompressed
// files. Results are cached per header value: clients send only a handful of distinct values.

/** The content codings Portico can produce (RFC 9110 §8.4.1, RFC 7932). */
export type ContentCoding = 'br' | 'gzip' | 'deflate'

export const CONTENT_CODINGS: readonly ContentCoding[] = ['br', 'gzip', 'deflate']

/** No preference over identity: send the body as it is. */
const NONE: readonly never[] = Object.freeze([])
/** Distinct Accept-Encoding values remembered; past this the cache starts over (a client sending junk). */
const CACHE_LIMIT = 256
/** RFC 9110 §12.4.2: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
const QVALUE = /^(?:0(?:\.[0-9]{0,3})?|1(?:\.0{0,3})?)$/

/** q-value per coding token as the client wrote it (lower case; `x-gzip` read as `gzip`). */
export function parseAcceptEncoding(header: string): Map<string, number> {
  const weights = new Map<string, number>()
  for (const element of header.split(',')) {
    const parts = element.split(';')
    let token = (parts[0] as string).trim().toLowerCase()
    if (token === '') continue
    if (token === 'x-gzip') token = 'gzip' // RFC 9110 §8.4.1.3
    let q = 1
    let valid = true
    for (let i = 1; i < parts.length; i++) {
      const param = (parts[i] as string).trim()
      const equals = param.indexOf('=')
      if (equals === -1 || param.slice(0, equals).trim().toLowerCase() !== 'q') continue
      const value = param.slice(equals + 1).trim()
      if (QVALUE.test(value)) q = Number(value)
      else valid = false
    }
    // A malformed weight makes the element meaningless; ignoring it is the lenient reading.
    if (!valid) continue
    // The same coding listed twice: the most favourable weight wins.
    weights.set(token, Math.max(q, weights.get(token) ?? 0))
  }
  return weights
}

/**
 * Ranks the codings a server offers against a request's Accept-Encoding.
 * @example
 * const negotiator = new EncodingNegotiator(['br', 'gzip'])
 * negotiator.negotiate('gzip, br;q=0.8') // ['gzip', 'br']
 * negotiator.negotiate('gzip;q=0.5, identity') // [] — the client prefers the body unencoded
 */
export class EncodingNegotiator<C extends ContentCoding = ContentCoding> {
  readonly #offered: readonly C[]
  readonly #cache = new Map<string, readonly C[]>()

  /** `offered` in server preference order: on equal q-values, the earlier one wins. */
  constructor(offered: readonly C[]) {
    this.#offered = Object.freeze([...offered])
  }

  /**
   * The offered codings the client accepts and prefers to identity, best first; empty means
   * "send it unencoded". No header at all also means unencoded: RFC 9110 allows any coding then,
   * but old clients that send nothing often cannot decode one.
   */
  negotiate(header: string | undefined): readonly C[] {
    if (header === undefined || header === '') return NONE
    let ranked = this.#cache.get(header)
    if (ranked === undefined) {
      ranked = this.#rank(parseAcceptEncoding(header))
      if (this.#cache.size >= CACHE_LIMIT) this.#cache.clear()
      this.#cache.set(header, ranked)
    }
    return ranked
  }

  #rank(weights: Map<string, number>): readonly C[] {
    const star = weights.get('*')
    // `*` covers every coding not listed, identity included (RFC 9110 §12.5.3). Unlisted and not
    // excluded, identity is still acceptable but ranks below any coding the client asked for.
    const identity = weights.get('identity') ?? star ?? Number.MIN_VALUE
    const candidates: Array<{ coding: C; q: number; order: number }> = []
    this.#offered.forEach((coding, order) => {
      const q = weights.get(coding) ?? star ?? 0
      // q=0 means "not acceptable"; a coding the client likes less than identity is not worth it.
      if (q > 0 && q >= identity) candidates.push({ coding, q, order })
    })
    if (candidates.length === 0) return NONE
    candidates.sort((a, b) => b.q - a.q || a.order - b.order)
    return Object.freeze(candidates.map((candidate) => candidate.coding))
  }
}
