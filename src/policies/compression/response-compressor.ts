// The compression decision and its header edits, compiled once per policy instance: is this
// response worth compressing, which coding does the client take, and how the body is wrapped.
// Works on a GatewayResponse so it is testable without sockets or an Exchange.
import { pipeline, Readable, type Transform } from 'node:stream'
import type { StaticDecode } from 'typebox'
import type { GatewayResponse } from '../../exchange/gateway-response.js'
import type { HeaderList } from '../../exchange/header-list.js'
import { EncodingNegotiator, type ContentCoding } from '../../exchange/accept-encoding.js'
import { createEncoder, type Encoder } from './encoders.js'
import { MediaTypeMatcher } from './media-type-matcher.js'
import { CompressionOptions, DEFAULT_ALGORITHMS, DEFAULT_CONTENT_TYPES, DEFAULT_LEVELS, DEFAULT_MIN_SIZE, DEFAULT_STREAMING_TYPES } from './options.js'

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
  /** Types flushed at every write (events, JSON lines): listed types match, wildcards included. */
  readonly #streamingTypes: MediaTypeMatcher

  constructor(options: CompressionSettings) {
    const algorithms = options.algorithms ?? DEFAULT_ALGORITHMS
    this.#negotiator = new EncodingNegotiator(algorithms)
    for (const coding of algorithms) this.#encoders.set(coding, createEncoder(coding, options.level?.[coding] ?? DEFAULT_LEVELS[coding]))
    this.#minSize = options.minSize ?? DEFAULT_MIN_SIZE
    this.#types = new MediaTypeMatcher(options.contentTypes ?? DEFAULT_CONTENT_TYPES)
    this.#streamingTypes = new MediaTypeMatcher(options.streamingTypes ?? DEFAULT_STREAMING_TYPES, new Set())
  }

  /**
   * Compresses `response` in place when it qualifies and the client accepts a coding. Returns a
   * promise only for an in-memory body (compressed off the event loop); a stream is wrapped at once.
   * A 304 gets the Vary and ETag edits the 200 would have had; `ifNoneMatch` is the client's.
   */
  apply(method: string, acceptEncoding: string | undefined, response: GatewayResponse, ifNoneMatch?: string): void | Promise<void> {
    if (response.status === 304) return this.#notModified(method, acceptEncoding, ifNoneMatch, response.headers)
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
      const compressor = encoder.createStream(this.#streamingTypes.matches(headers.get('content-type')))
      // pipeline passes backpressure and destroys both streams if either fails or is destroyed.
      response.body = pipeline(body, compressor, ignoreOutcome) as Transform
      return
    }
    const input = typeof body === 'string' ? Buffer.from(body) : (body as Buffer)
    return encoder.compress(input).then((compressed) => {
      response.body = compressed
    })
  }

  /**
   * A 304 must carry the Vary the 200 would have had (RFC 9110 §15.4.5), and the ETag of the copy
   * the client holds, or a cache cannot select that copy to refresh (RFC 9111 §4.3.4): `W/"x"`,
   * not the origin's `"x"`, when we compressed it. A 304 has no body and usually no Content-Type,
   * so without one the client's If-None-Match decides: `W/"x"` for our strong `"x"` is the copy we
   * weakened. A client that sent only `"x"` holds an identity copy, whose tag stays strong.
   */
  #notModified(method: string, acceptEncoding: string | undefined, ifNoneMatch: string | undefined, headers: HeaderList): void {
    // HEAD responses are never compressed, so neither is their 304.
    if (method === 'HEAD' || headers.has('content-encoding')) return
    const cacheControl = headers.get('cache-control')
    if (cacheControl !== undefined && NO_TRANSFORM.test(cacheControl)) return
    const held = heldVariant(ifNoneMatch, headers.get('etag'))
    const contentType = headers.get('content-type')
    if (contentType === undefined ? held !== 'compressed' : !this.#types.matches(contentType)) return
    addVary(headers)
    if (held !== 'identity' && this.#negotiator.negotiate(acceptEncoding)[0] !== undefined) weakenEtag(headers)
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

/**
 * Which copy a conditional request says the client holds, for a strong `etag` `"x"`: `compressed`
 * when If-None-Match lists `W/"x"` (the tag compression handed out), `identity` when it lists only
 * `"x"`, `unknown` otherwise (no If-None-Match, `*`, no or a weak ETag). Tags are scanned as quoted
 * strings, since they may contain commas.
 */
export function heldVariant(ifNoneMatch: string | undefined, etag: string | undefined): 'compressed' | 'identity' | 'unknown' {
  if (ifNoneMatch === undefined || etag === undefined || !etag.startsWith('"')) return 'unknown'
  let strong = false
  let i = 0
  while (i < ifNoneMatch.length) {
    const char = ifNoneMatch.charCodeAt(i)
    if (char === 0x20 || char === 0x09 || char === 0x2c /* , */) {
      i++
      continue
    }
    const weak = ifNoneMatch.startsWith('W/', i)
    if (weak) i += 2
    if (ifNoneMatch.charCodeAt(i) !== 0x22 /* " */) return 'unknown' // `*` or not a list of entity tags
    const close = ifNoneMatch.indexOf('"', i + 1)
    if (close === -1) return 'unknown'
    if (ifNoneMatch.slice(i, close + 1) === etag) {
      if (weak) return 'compressed'
      strong = true
    }
    i = close + 1
  }
  return strong ? 'identity' : 'unknown'
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
