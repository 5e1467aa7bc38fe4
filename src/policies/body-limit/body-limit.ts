// `bodyLimit`: the largest request body a route accepts. A declared Content-Length above it is
// refused at once; a chunked (or HTTP/2) body is counted while it streams, and the upload is cut
// with a 413 the moment it passes the limit, so a client cannot make the gateway read forever.
import { Transform, type TransformCallback } from 'node:stream'
import Type from 'typebox'
import { GatewayError } from '../../errors.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { definePolicy } from '../../pipeline/policy.js'
import { Size } from '../../config/schema/common.js'

export const BodyLimitOptions = Type.Object(
  { maxSize: Size('Largest request body in bytes (e.g. 10mb).') },
  { additionalProperties: false },
)

/** Counts bytes and fails the stream with ERR_BODY_TOO_LARGE once `limit` is passed. */
export class BodySizeGuard extends Transform {
  readonly #limit: number
  #seen = 0

  constructor(limit: number) {
    super()
    this.#limit = limit
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.#seen += chunk.length
    if (this.#seen > this.#limit) return callback(new GatewayError('ERR_BODY_TOO_LARGE', `The request body is larger than ${this.#limit} bytes`))
    callback(null, chunk)
  }
}

export const bodyLimit = definePolicy({
  name: 'bodyLimit',
  stage: 'edge',
  options: BodyLimitOptions,
  create({ maxSize }) {
    return {
      onRequest(ex) {
        const request = ex.request
        if (!request.hasBody) return undefined
        const declared = request.header('content-length')
        if (declared !== undefined && Number(declared) > maxSize) {
          ex.clientResponse.shouldKeepAlive = false
          return LocalReply.fromCode('ERR_BODY_TOO_LARGE', `The request body is larger than ${maxSize} bytes`)
        }
        const guard = new BodySizeGuard(maxSize)
        // Another edge policy (waf) may already have replaced the body: guard that one.
        const source = ex.upstreamRequest.body ?? request.raw
        source.pipe(guard)
        ex.upstreamRequest.body = guard
        return undefined
      },
    }
  },
})
