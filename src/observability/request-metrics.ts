// The hot-path half of the metrics: one call per finished exchange. Label children are bound once
// per route, method and status class and kept, so a request costs a few lookups and prom-client's
// own increment; nothing is recorded at all when metrics are disabled (the snapshot holds none).
import type { Counter, Histogram } from 'prom-client'
import type { Exchange } from '../exchange/exchange.js'
import type { CompiledRoute } from '../pipeline/compiled-route.js'

/** The `route` label of requests that matched no route (404, 405, 400). Not a valid route name. */
export const UNMATCHED_ROUTE = '(unmatched)'

/**
 * Methods kept as label values; any other (HTTP/2 accepts any token) is counted as OTHER, as the
 * OpenTelemetry conventions do, so clients cannot create series at will.
 */
const KNOWN_METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'])

const STATUS_CLASSES = ['0xx', '1xx', '2xx', '3xx', '4xx', '5xx'] as const

/** `204` → `2xx`. Anything outside 100–599 counts as `5xx`, the class that gets noticed. */
export function statusClass(status: number): string {
  return STATUS_CLASSES[statusClassIndex(status)] as string
}

function statusClassIndex(status: number): number {
  const index = (status / 100) | 0
  return index >= 1 && index <= 5 ? index : 5
}

/** Error codes that mean the upstream side failed (not the client, not a policy). */
export function isUpstreamErrorCode(code: string): boolean {
  return code.startsWith('ERR_UPSTREAM') || code.startsWith('ERR_NO_HEALTHY') || code.startsWith('ERR_CIRCUIT')
}

/** The service a route proxies to, read from its action without importing the proxy. */
function serviceOf(route: CompiledRoute): string | undefined {
  const action: object = route.action
  if (!('service' in action)) return undefined
  const service = action.service
  return typeof service === 'object' && service !== null && 'name' in service && typeof service.name === 'string' ? service.name : undefined
}

type RequestCounterChild = ReturnType<Counter<string>['labels']>
type DurationChild = ReturnType<Histogram<string>['labels']>

/** Bound children for one compiled route. */
interface RouteSeries {
  readonly route: string
  readonly service: string | undefined
  readonly duration: DurationChild
  /** Per method: request counters indexed by status class (1–5), bound on first use. */
  readonly byMethod: Map<string, Array<RequestCounterChild | undefined>>
}

export class RequestMetrics {
  readonly #requests: Counter<'route' | 'method' | 'status_class'>
  readonly #duration: Histogram<'route'>
  readonly #upstreamErrors: Counter<'service' | 'code'>
  /** Keyed by the compiled route, so a reload that changes a route's service never reads a stale name. */
  readonly #series = new WeakMap<CompiledRoute, RouteSeries>()
  #unmatched: RouteSeries | undefined

  constructor(requests: Counter<'route' | 'method' | 'status_class'>, duration: Histogram<'route'>, upstreamErrors: Counter<'service' | 'code'>) {
    this.#requests = requests
    this.#duration = duration
    this.#upstreamErrors = upstreamErrors
  }

  /** Counts one finished exchange; `status` is what the client was sent. */
  record(ex: Exchange, status: number): void {
    const route = ex.route
    const series = route === undefined ? (this.#unmatched ??= this.#createSeries(UNMATCHED_ROUTE, undefined)) : (this.#series.get(route) ?? this.#addSeries(route))
    const method = KNOWN_METHODS.has(ex.request.method) ? ex.request.method : 'OTHER'
    let counters = series.byMethod.get(method)
    if (counters === undefined) {
      counters = [undefined, undefined, undefined, undefined, undefined, undefined]
      series.byMethod.set(method, counters)
    }
    const index = statusClassIndex(status)
    let counter = counters[index]
    if (counter === undefined) {
      counter = this.#requests.labels(series.route, method, STATUS_CLASSES[index] as string)
      counters[index] = counter
    }
    counter.inc()
    series.duration.observe(ex.elapsedMs() / 1000)
    const failures = ex.upstreamFailures
    if (failures !== undefined) {
      // An action with several services (aggregate) reports each failed call itself.
      for (const failure of failures) if (isUpstreamErrorCode(failure.code)) this.#upstreamErrors.labels(failure.service, failure.code).inc()
      return
    }
    const error = ex.error
    if (error !== undefined && series.service !== undefined && isUpstreamErrorCode(error.code)) {
      this.#upstreamErrors.labels(series.service, error.code).inc()
    }
  }

  #addSeries(route: CompiledRoute): RouteSeries {
    const series = this.#createSeries(route.name, serviceOf(route))
    this.#series.set(route, series)
    return series
  }

  #createSeries(route: string, service: string | undefined): RouteSeries {
    return { route, service, duration: this.#duration.labels(route), byMethod: new Map() }
  }
}
