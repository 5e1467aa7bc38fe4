// One encoder per content coding, with its zlib options built once: a streaming transform for
// bodies that are streams, and zlib's async one-shot API for bodies already in memory (off the
// event loop, in libuv's thread pool).
import { promisify } from 'node:util'
import zlib, { type BrotliOptions, type ZlibOptions } from 'node:zlib'
import type { Transform } from 'node:stream'
import type { ContentCoding } from '../../exchange/accept-encoding.js'

const brotliCompress = promisify(zlib.brotliCompress)
const gzip = promisify(zlib.gzip)
const deflate = promisify(zlib.deflate)

export interface Encoder {
  readonly coding: ContentCoding
  /** A streaming compressor; `flushEachWrite` pushes out every chunk as it comes (events, JSON lines). */
  createStream(flushEachWrite: boolean): Transform
  /** Compresses a whole in-memory body. */
  compress(input: Buffer): Promise<Buffer>
}

export function createEncoder(coding: ContentCoding, level: number): Encoder {
  if (coding === 'br') {
    const params = { [zlib.constants.BROTLI_PARAM_QUALITY]: level }
    const streamOptions: BrotliOptions = { params }
    const flushingOptions: BrotliOptions = { params, flush: zlib.constants.BROTLI_OPERATION_FLUSH }
    return {
      coding,
      createStream: (flushEachWrite) => zlib.createBrotliCompress(flushEachWrite ? flushingOptions : streamOptions),
      // The size hint lets brotli pick a window that fits the body instead of the maximum.
      compress: (input) => brotliCompress(input, { params: { ...params, [zlib.constants.BROTLI_PARAM_SIZE_HINT]: input.length } }),
    }
  }
  const streamOptions: ZlibOptions = { level }
  const flushingOptions: ZlibOptions = { level, flush: zlib.constants.Z_SYNC_FLUSH }
  const create = coding === 'gzip' ? zlib.createGzip : zlib.createDeflate
  const oneShot = coding === 'gzip' ? gzip : deflate
  return {
    coding,
    createStream: (flushEachWrite) => create(flushEachWrite ? flushingOptions : streamOptions),
    compress: (input) => oneShot(input, streamOptions),
  }
}
