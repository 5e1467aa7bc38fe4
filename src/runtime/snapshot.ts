// A compiled, immutable config generation: route table, services, policy chains and settings.
// Exchanges pin the snapshot they started on; when a newer one is active and the last exchange of
// an old one finishes, the old one closes whatever the new one did not carry over.
import type { CompiledRoute } from '../pipeline/compiled-route.js'
import type { Policy } from '../pipeline/policy.js'
import type { AccessLog } from '../observability/access-log.js'
import type { Tracer } from '../observability/tracer.js'
import type { RequestMetrics } from '../observability/request-metrics.js'
import type { CidrSet } from '../exchange/cidr-set.js'
import type { Logger } from '../observability/logger.js'
import type { RouteTable } from '../routing/route-table.js'
import type { ServiceRuntime } from '../services/service-runtime.js'

export interface ForwardingSettings {
  /** Proxies whose X-Forwarded-* / Forwarded headers are believed (and appended to). */
  readonly trustedProxies: CidrSet
}

/** Request limits checked when an exchange is accepted. */
export interface RequestLimits {
  readonly maxHeaderCount: number
  readonly maxUrlLength: number
}

export interface SnapshotParts {
  readonly generation: number
  readonly hash: string
  readonly routes: RouteTable<CompiledRoute>
  readonly services: ReadonlyMap<string, ServiceRuntime>
  /** Every policy instance created for this generation (closed on retire). */
  readonly policies: readonly Policy[]
  readonly forwarding: ForwardingSettings
  readonly limits: RequestLimits
  readonly log: Logger
  readonly accessLog: AccessLog | undefined
  /** Records each finished exchange; undefined when metrics are disabled. */
  readonly metrics?: RequestMetrics | undefined
  /** W3C trace propagation and span export; undefined when tracing is off. */
  readonly tracer?: Tracer | undefined
}

export class Snapshot implements SnapshotParts {
  readonly generation: number
  readonly hash: string
  readonly routes: RouteTable<CompiledRoute>
  readonly services: ReadonlyMap<string, ServiceRuntime>
  readonly policies: readonly Policy[]
  readonly forwarding: ForwardingSettings
  readonly limits: RequestLimits
  readonly log: Logger
  readonly accessLog: AccessLog | undefined
  readonly metrics: RequestMetrics | undefined
  readonly tracer: Tracer | undefined
  /** Exchanges started on this snapshot and not yet finished. */
  inflight = 0
  #retired: ((snapshot: Snapshot) => void) | undefined

  constructor(parts: SnapshotParts) {
    this.generation = parts.generation
    this.hash = parts.hash
    this.routes = parts.routes
    this.services = parts.services
    this.policies = parts.policies
    this.forwarding = parts.forwarding
    this.limits = parts.limits
    this.log = parts.log
    this.accessLog = parts.accessLog
    this.tracer = parts.tracer
    this.metrics = parts.metrics
  }

  acquire(): void {
    this.inflight++
  }

  release(): void {
    if (--this.inflight === 0 && this.#retired) {
      const done = this.#retired
      this.#retired = undefined
      done(this)
    }
  }

  /** Calls `onIdle` once no exchange uses this snapshot any more (maybe right away). */
  retire(onIdle: (snapshot: Snapshot) => void): void {
    if (this.inflight === 0) onIdle(this)
    else this.#retired = onIdle
  }
}
