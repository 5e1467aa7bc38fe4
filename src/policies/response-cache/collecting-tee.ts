// A pass-through stream that keeps a copy of the body up to a limit, so a response can be stored
// while it streams to the client; past the limit the copy is dropped and streaming goes on.
import { Transform, type TransformCallback } from 'node:stream'

/** Passes a body through while keeping a copy up to `limit` bytes; reports the copy at the end. */
export class CollectingTee extends Transform {
  readonly #limit: number
  readonly #done: (body: Buffer | undefined) => void
  #chunks: Buffer[] | undefined = []
  #size = 0

  constructor(limit: number, done: (body: Buffer | undefined) => void) {
    super()
    this.#limit = limit
    this.#done = done
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.#chunks !== undefined) {
      this.#size += chunk.length
      if (this.#size > this.#limit) this.#chunks = undefined
      else this.#chunks.push(chunk)
    }
    callback(null, chunk)
  }

  override _flush(callback: TransformCallback): void {
    this.#done(this.#chunks === undefined ? undefined : Buffer.concat(this.#chunks))
    this.#chunks = undefined
    callback()
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (this.#chunks !== undefined) {
      this.#chunks = undefined
      this.#done(undefined)
    }
    callback(error)
  }
}
