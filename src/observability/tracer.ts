// The gateway's tracing: one SERVER span per exchange in the caller's trace (or a new one),
// propagated upstream as `traceparent`, written to the access log, and exported over OTLP when
// sampled and a collector is configured. Built per config generation from `tracing:`.
import type { Exchange } from '../exchange/exchange.js'
import type { Logger } from './logger.js'
import { OtlpExporter, type OtlpSpan } from './otlp-exporter.js'
import { continueTrace, type TraceContext } from './trace-context.js'
import type { TracingConfig } from '../config/schema/root.js'

const SPAN_KIND_SERVER = 2
const STATUS_UNSET = 0
const STATUS_ERROR = 2

export class Tracer {
  readonly #sampleRate: number
  readonly #exporter: OtlpExporter | undefined
  /** Wall-clock ms at performance.now() = 0, to turn monotonic times into epoch nanoseconds. */
  readonly #epochOffsetMs = Date.now() - performance.now()

  constructor(config: TracingConfig, log: Logger) {
    this.#sampleRate = config.sampleRate ?? 1
    const otlp = config.otlp
    this.#exporter =
      otlp === undefined
        ? undefined
        : new OtlpExporter({
            endpoint: otlp.endpoint,
            headers: otlp.headers ?? {},
            serviceName: config.serviceName ?? 'portico',
            batchSize: otlp.batchSize ?? 256,
            flushIntervalMs: otlp.flushInterval ?? 2000,
            maxQueue: otlp.maxQueue ?? 4096,
            log: log.child({ component: 'tracing' }),
          })
  }

  /** The exchange's trace context, from its `traceparent` / `tracestate` headers. */
  start(traceparent: string | undefined, traceState: string | undefined): TraceContext {
    return continueTrace(traceparent, traceState, this.#sampleRate)
  }

  /** Ends the exchange's span (finish phase); sampled spans go to the exporter. */
  end(ex: Exchange, status: number): void {
    const trace = ex.trace
    if (trace === undefined || !trace.sampled || this.#exporter === undefined) return
    const endMs = performance.now()
    const attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string } }> = [
      { key: 'http.request.method', value: { stringValue: ex.request.method } },
      { key: 'url.path', value: { stringValue: ex.request.path } },
      { key: 'server.address', value: { stringValue: ex.request.host } },
      { key: 'client.address', value: { stringValue: ex.client.ip } },
      { key: 'http.response.status_code', value: { intValue: String(status) } },
      { key: 'portico.request_id', value: { stringValue: ex.id } },
    ]
    if (ex.route !== undefined) attributes.push({ key: 'http.route', value: { stringValue: ex.route.name } })
    if (ex.target !== undefined) attributes.push({ key: 'portico.upstream', value: { stringValue: ex.target } })
    if (ex.error !== undefined) attributes.push({ key: 'error.type', value: { stringValue: ex.error.code } })
    const span: OtlpSpan = {
      traceId: trace.traceId,
      spanId: trace.spanId,
      ...(trace.parentSpanId !== undefined ? { parentSpanId: trace.parentSpanId } : {}),
      name: ex.route === undefined ? ex.request.method : `${ex.request.method} ${ex.route.name}`,
      kind: SPAN_KIND_SERVER,
      startTimeUnixNano: this.#nanos(ex.startedAt),
      endTimeUnixNano: this.#nanos(endMs),
      attributes,
      // OpenTelemetry HTTP server conventions: 5xx (or an abort) is an error, 4xx is not.
      status: status >= 500 || ex.abortReason !== undefined ? { code: STATUS_ERROR, ...(ex.error ? { message: ex.error.code } : {}) } : { code: STATUS_UNSET },
    }
    this.#exporter.add(span)
  }

  async close(): Promise<void> {
    await this.#exporter?.close()
  }

  #nanos(monotonicMs: number): string {
    return (BigInt(Math.round((this.#epochOffsetMs + monotonicMs) * 1000)) * 1000n).toString()
  }
}
