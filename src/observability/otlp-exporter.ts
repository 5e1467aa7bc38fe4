// Sends finished spans to an OpenTelemetry collector over OTLP/HTTP with JSON encoding, in
// batches, off the request path. A slow or absent collector costs only dropped spans (the oldest
// first, counted and logged), never a slower request.
import { request } from 'undici'
import type { Logger } from './logger.js'

/** One span in OTLP/JSON form (ids as hex, times as nanosecond strings). */
export interface OtlpSpan {
  readonly traceId: string
  readonly spanId: string
  readonly parentSpanId?: string
  readonly name: string
  readonly kind: number
  readonly startTimeUnixNano: string
  readonly endTimeUnixNano: string
  readonly attributes: ReadonlyArray<{ key: string; value: { stringValue?: string; intValue?: string } }>
  readonly status: { code: number; message?: string }
}

export interface OtlpExporterOptions {
  readonly endpoint: string
  readonly headers: Readonly<Record<string, string>>
  readonly serviceName: string
  readonly batchSize: number
  readonly flushIntervalMs: number
  readonly maxQueue: number
  readonly log: Logger
}

export class OtlpExporter {
  readonly #options: OtlpExporterOptions
  /** Finished spans not yet sent; bounded by maxQueue (oldest dropped first). */
  #queue: OtlpSpan[] = []
  #timer: NodeJS.Timeout | undefined
  /** The one export request in flight, if any: batches never pile up behind a slow collector. */
  #inflight: Promise<void> | undefined
  #dropped = 0
  #lastWarning = 0

  constructor(options: OtlpExporterOptions) {
    this.#options = options
  }

  /** Spans dropped so far (queue full or export failed). */
  get dropped(): number {
    return this.#dropped
  }

  add(span: OtlpSpan): void {
    const queue = this.#queue
    if (queue.length >= this.#options.maxQueue) {
      queue.shift()
      this.#dropped++
    }
    queue.push(span)
    if (queue.length >= this.#options.batchSize) this.#kick()
    else if (this.#timer === undefined) {
      this.#timer = setTimeout(() => this.#kick(), this.#options.flushIntervalMs)
      this.#timer.unref()
    }
  }

  /** Sends what is queued, one batch at a time; resolves when the queue is empty or a send failed. */
  async flush(): Promise<void> {
    clearTimeout(this.#timer)
    this.#timer = undefined
    while (this.#queue.length > 0 || this.#inflight !== undefined) {
      if (this.#inflight === undefined) this.#kick()
      await this.#inflight
    }
  }

  /** Flushes for at most `deadlineMs` (a stuck collector must not hold a shutdown); the rest is dropped. */
  async close(deadlineMs = 5_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs)
      timer.unref()
    })
    await Promise.race([this.flush(), deadline])
    clearTimeout(timer)
    this.#dropped += this.#queue.length
    this.#queue = []
  }

  /** Starts sending the next batch unless one is already in flight. */
  #kick(): void {
    clearTimeout(this.#timer)
    this.#timer = undefined
    if (this.#inflight !== undefined || this.#queue.length === 0) return
    const batch = this.#queue.splice(0, this.#options.batchSize)
    this.#inflight = this.#send(batch).finally(() => {
      this.#inflight = undefined
      // More arrived while this batch was out: send the next one (or wait for the timer).
      if (this.#queue.length >= this.#options.batchSize) this.#kick()
      else if (this.#queue.length > 0 && this.#timer === undefined) {
        this.#timer = setTimeout(() => this.#kick(), this.#options.flushIntervalMs)
        this.#timer.unref()
      }
    })
  }

  async #send(spans: OtlpSpan[]): Promise<void> {
    const body = JSON.stringify({
      resourceSpans: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: this.#options.serviceName } }] },
          scopeSpans: [{ scope: { name: 'portico' }, spans }],
        },
      ],
    })
    try {
      const response = await request(this.#options.endpoint, {
        method: 'POST',
        headers: { ...this.#options.headers, 'content-type': 'application/json' },
        body,
        headersTimeout: 5000,
        bodyTimeout: 5000,
      })
      await response.body.dump()
      if (response.statusCode >= 300) throw new Error(`collector answered ${response.statusCode}`)
    } catch (error) {
      this.#dropped += spans.length
      const now = Date.now()
      if (now - this.#lastWarning > 10_000) {
        this.#lastWarning = now
        this.#options.log.warn({ err: (error as Error).message, dropped: this.#dropped }, 'span export failed; spans dropped')
      }
    }
  }
}
