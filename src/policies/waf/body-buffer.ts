// Reads a request body up to a size, for inspection, without losing a byte of it: a body that fits
// comes back whole (and is replayed to the upstream from memory); a larger one comes back as a
// stream that yields what was read, then the rest of the source as it arrives, so the proxy still
// streams it with backpressure and never holds more than the limit.
import { Readable } from 'node:stream'

export type BufferedBody =
  | { readonly complete: true; readonly bytes: Buffer }
  | { readonly complete: false; readonly stream: Readable }

/**
 * Reads `source` until it ends or passes `maxBytes`. Rejects with the source's error (a client
 * abort, a `bodyLimit` refusal).
 * @example const body = await bufferUpTo(ex.request.raw, 64 * 1024)
 */
export async function bufferUpTo(source: Readable, maxBytes: number): Promise<BufferedBody> {
  const iterator = source[Symbol.asyncIterator]() as AsyncIterator<Buffer | string>
  const chunks: Buffer[] = []
  let size = 0
  for (;;) {
    const step = await iterator.next()
    if (step.done === true) return { complete: true, bytes: chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, size) }
    const chunk = typeof step.value === 'string' ? Buffer.from(step.value) : step.value
    chunks.push(chunk)
    size += chunk.length
    if (size > maxBytes) return { complete: false, stream: new ReplayBody(chunks, iterator) }
  }
}

/** A stream of bytes already in memory, for the upstream. */
export function bodyStream(bytes: Buffer): Readable {
  return Readable.from(bytes.length === 0 ? [] : [bytes], { objectMode: false })
}

/** The chunks read so far, then the rest of the source. Destroying it destroys the source. */
class ReplayBody extends Readable {
  readonly #head: Buffer[]
  readonly #rest: AsyncIterator<Buffer | string>
  #reading = false

  constructor(head: Buffer[], rest: AsyncIterator<Buffer | string>) {
    super()
    this.#head = head
    this.#rest = rest
  }

  override _read(): void {
    const chunk = this.#head.shift()
    if (chunk !== undefined) {
      this.push(chunk)
      return
    }
    if (this.#reading) return
    this.#reading = true
    this.#rest.next().then(
      (step) => {
        this.#reading = false
        this.push(step.done === true ? null : typeof step.value === 'string' ? Buffer.from(step.value) : step.value)
      },
      (error: unknown) => this.destroy(error as Error),
    )
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Ends the source's iterator, which destroys the source unless it already ended.
    const done = this.#rest.return?.()
    if (done === undefined) return callback(error)
    done.then(
      () => callback(error),
      () => callback(error),
    )
  }
}
