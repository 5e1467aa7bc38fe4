// Prometheus metrics of one gateway, in a Registry of its own (gateways started side by side in
// one process, as in tests, never share series). State gauges (circuits, target health, in-flight)
// are read from the active snapshot when scraped, so nothing is pushed on state changes.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry, type MetricObjectWithValues, type MetricValue } from 'prom-client'
import { RequestMetrics } from './request-metrics.js'

/** Seconds; from a cache hit (sub-millisecond) to a slow upstream near the default 30 s timeout. */
export const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

/** What the state gauges read: the active snapshot's services (ServiceRuntime fits this shape). */
export interface ServiceState {
  readonly name: string
  readonly breaker?: { readonly state: 'closed' | 'half-open' | 'open' } | undefined
  readonly targets: ReadonlyArray<{ readonly url: string; readonly healthy: boolean; readonly ejectedUntil: number }>
}

export interface MetricsSource {
  generation(): number
  inflight(): number
  services(): Iterable<ServiceState>
}

export type MetricsJson = Array<MetricObjectWithValues<MetricValue<string>>>

const CIRCUIT_VALUES = { closed: 0, 'half-open': 1, open: 2 } as const

/** One registry for every gateway in the process: default metrics start timers and observers. */
let processRegistry: Registry | undefined

function processMetrics(): Registry {
  if (processRegistry === undefined) {
    processRegistry = new Registry()
    collectDefaultMetrics({ register: processRegistry })
  }
  return processRegistry
}

export type ReloadResult = 'success' | 'failure'

/**
 * The metrics of a gateway process (`forGateway`) or of a cluster primary (`forPrimary`, which
 * serves no traffic: only reloads and the generation; workers' series are merged into it).
 * @example
 * const metrics = PorticoMetrics.forGateway({ generation: () => 1, inflight: () => 0, services: () => [] })
 * metrics.countReload('success')
 * const text = await metrics.scrape()
 */
export class PorticoMetrics {
  readonly registry: Registry
  /** The per-request recorder; undefined for a primary. */
  readonly requests: RequestMetrics | undefined
  readonly #reloads: Counter<'result'>
  readonly #storeErrors: Counter<'operation'>

  private constructor(own: Registry, source: MetricsSource, traffic: boolean) {
    this.#reloads = new Counter({ name: 'portico_config_reloads_total', help: 'Config reloads, by result.', labelNames: ['result'], registers: [own] })
    this.#reloads.inc({ result: 'success' }, 0)
    this.#reloads.inc({ result: 'failure' }, 0)
    this.#storeErrors = new Counter({ name: 'portico_store_errors_total', help: 'Store operations (rate-limit checks, cache reads and writes) that failed, e.g. Redis unreachable.', labelNames: ['operation'], registers: [own] })
    new Gauge({
      name: 'portico_config_generation',
      help: 'Generation of the active config (1 at start, +1 per successful reload).',
      registers: [own],
      aggregator: 'max',
      collect() {
        this.set(source.generation())
      },
    })
    if (!traffic) {
      this.registry = own
      this.requests = undefined
      return
    }
    this.requests = new RequestMetrics(
      new Counter({ name: 'portico_requests_total', help: 'Finished requests, by route, method and status class.', labelNames: ['route', 'method', 'status_class'], registers: [own] }),
      new Histogram({ name: 'portico_request_duration_seconds', help: 'Time from accept to the last byte, by route.', labelNames: ['route'], buckets: DURATION_BUCKETS, registers: [own] }),
      new Counter({ name: 'portico_upstream_errors_total', help: 'Requests answered with an upstream error, by service and error code.', labelNames: ['service', 'code'], registers: [own] }),
    )
    registerStateGauges(own, source)
    this.registry = Registry.merge([own, processMetrics()])
  }

  static forGateway(source: MetricsSource): PorticoMetrics {
    return new PorticoMetrics(new Registry(), source, true)
  }

  static forPrimary(generation: () => number): PorticoMetrics {
    return new PorticoMetrics(new Registry(), { generation, inflight: () => 0, services: () => [] }, false)
  }

  countReload(result: ReloadResult): void {
    this.#reloads.inc({ result })
  }

  /** A store operation failed (`hit`, `get`, `set`, `delete`, `deletePrefix`). */
  countStoreError(operation: string): void {
    this.#storeErrors.inc({ operation })
  }

  get contentType(): string {
    return this.registry.contentType
  }

  /** The Prometheus text exposition. */
  scrape(): Promise<string> {
    return this.registry.metrics()
  }

  /** Every metric as JSON, for aggregation across cluster workers. */
  json(): Promise<MetricsJson> {
    return this.registry.getMetricsAsJSON() as Promise<MetricsJson>
  }
}

function registerStateGauges(registry: Registry, source: MetricsSource): void {
  new Gauge({
    name: 'portico_circuit_state',
    help: 'Circuit breaker state per service: 0 closed, 1 half-open, 2 open (services with a breaker only).',
    labelNames: ['service'],
    registers: [registry],
    aggregator: 'max',
    collect() {
      this.reset()
      for (const service of source.services()) {
        if (service.breaker !== undefined) this.set({ service: service.name }, CIRCUIT_VALUES[service.breaker.state])
      }
    },
  })
  new Gauge({
    name: 'portico_target_healthy',
    help: 'Whether a target is in rotation (1) or out of it (0): failed active checks or passively ejected.',
    labelNames: ['service', 'target'],
    registers: [registry],
    aggregator: 'min',
    collect() {
      this.reset()
      const now = Date.now()
      for (const service of source.services()) {
        for (const target of service.targets) {
          const available = target.healthy && target.ejectedUntil <= now
          this.set({ service: service.name, target: target.url }, available ? 1 : 0)
        }
      }
    },
  })
  new Gauge({
    name: 'portico_inflight_requests',
    help: 'Requests accepted and not yet finished (across the active and retiring configs).',
    registers: [registry],
    collect() {
      this.set(source.inflight())
    },
  })
}
