// The compression decision and its header edits, compiled once per policy instance: is this
// response worth compressing, which coding does the client take, and how the body is wrapped.
// Works on a GatewayResponse so it is testable without sockets or an Exchange.
import { pipeline, Readable, type Transform } from 'node:stream'
import type { StaticDecode } from 'typebox'
import type { GatewayResponse } from '../../exchange/gateway-response.js'
import type { HeaderList } from '../../exchange/header-list.js'
import { EncodingNegotiator, type ContentCoding } from '../../exchange/accept-encoding.js'
import { createEncoder, type Encoder } from './encoders.js'
import { isStreamingType, MediaTypeMatcher } from './media-type-matcher.js'
import { CompressionOptions, DEFAULT_ALGORITHMS, DEFAULT_CONTENT_TYPES, DEFAULT_LEVELS, DEFAULT_MIN_SIZE } from './options.js'

export type CompressionSettings = StaticDecode<typeof CompressionOptions>

const NO_TRANSFORM = /(?:^|,)\s*no-transform\s*(?:,|$)/i
const ACCEPT_ENCODING_TOKEN = /(?:^|,)\s*accept-encoding\s*(?:,|$)/i
const ANY_TOKEN = /(?:^|,)\s*\*\s*(?:,|$)/

/** pipeline() insists on a callback; errors already reach the writer through the last stream. */
function ignoreOutcome(): void {}

export class ResponseCompressor {
  readonly #negotiator: EncodingNegotiator
  readonly #encoders = new Map<ContentCoding, Encoder>()
  readonly #minSize: number
  readonly #types: MediaTypeMatcher

  constructor(options: CompressionSettings) {
    const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS
    this.#negotiator = new EncodingNegotiator(algorithms)
    for (const coding of algorithms) this.#encoders.set(coding, createEncoder(coding, options.level?.[coding] ?? DEFAULT_LEVELS[coding]))
    this.#minSize = options.minSize ?? DEFAULT_MIN_SIZE
    this.#types = new MediaTypeMatcher(options.contentTypes ?? DEFAULT_CONTENT_TYPES)
  }

  /**
   * Compresses `response` in place when it qualifies and the client accepts a coding. Returns a
   * promise only for an in-memory body (compressed off the event loop); a stream is wrapped at once.
   */
  apply(method: string, acceptEncoding: string | undefined, response: GatewayResponse): void | Promise<void> {
    if (!this.#qualifies(method, response)) return
    const headers = response.headers
    // The answer depends on Accept-Encoding whichever coding is picked, identity included (RFC 9110 §12.5.5).
    addVary(headers)
    const coding = this.#negotiator.negotiate(acceptEncoding)[0]
    if (coding === undefined) return
    const encoder = this.#encoders.get(coding) as Encoder
    headers.set('content-encoding', coding)
    headers.delete('content-length')
    // Byte ranges of the identity body no longer apply to what is sent.
    headers.delete('accept-ranges')
    weakenEtag(headers)
    const body = response.body
    if (body instanceof Readable) {
      const compressor = encoder.createStream(isStreamingType(headers.get('content-type')))
      // pipeline passes backpressure and destroys both streams if either fails or is destroyed.
      response.body = pipeline(body, compressor, ignoreOutcome) as Transform
      return
    }
    const input = typeof body === 'string' ? Buffer.from(body) : (body as Buffer)
    return encoder.compress(input).then((compressed) => {
      response.body = compressed
    })
  }

  /** Whether the response is one compression may touch at all (before asking the client). */
  #qualifies(method: string, response: GatewayResponse): boolean {
    const status = response.status
    // HEAD has no body to compress; 204/304 have none either (RFC 9110 §15.3.5, §15.4.5); a 206's
    // Content-Range counts bytes of the identity body (RFC 9110 §14.4).
    if (method === 'HEAD' || status < 200 || status === 204 || status === 206 || status === 304) return false
    const body = response.body
    if (body === null) return false
    const headers = response.headers
    if (headers.has('content-encoding') || headers.has('content-range')) return false
    const cacheControl = headers.get('cache-control')
    if (cacheControl !== undefined && NO_TRANSFORM.test(cacheControl)) return false // RFC 9111 §5.2.2.6
    if (!this.#types.matches(headers.get('content-type'))) return false
    return knownLength(body, headers.get('content-length')) >= this.#minSize
  }
}

/** The body size if known, else Infinity (a stream of unknown length is always worth it). */
function knownLength(body: NonNullable<GatewayResponse['body']>, contentLength: string | undefined): number {
  if (contentLength !== undefined) {
    const length = Number(contentLength)
    if (Number.isFinite(length)) return length
  }
  if (typeof body === 'string') return Buffer.byteLength(body)
  if (Buffer.isBuffer(body)) return body.length
  return Number.POSITIVE_INFINITY
}

/** Adds Accept-Encoding to Vary once, merging with what is there; `Vary: *` already covers it. */
export function addVary(headers: HeaderList): void {
  const existing = headers.getAll('vary')
  if (existing.length === 0) return headers.append('vary', 'Accept-Encoding')
  const joined = existing.join(', ')
  if (ANY_TOKEN.test(joined) || ACCEPT_ENCODING_TOKEN.test(joined)) return
  headers.set('vary', `${joined}, Accept-Encoding`)
}

/** A compressed body is no longer byte-identical to the identity one: `"x"` → `W/"x"` (RFC 9110 §8.8.1). */
export function weakenEtag(headers: HeaderList): void {
  const etag = headers.get('etag')
  if (etag !== undefined && etag.startsWith('"')) headers.set('etag', `W/${etag}`)
}
