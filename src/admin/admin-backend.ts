// What the admin API needs from the process it runs in. A single-process gateway and a cluster
// primary (which serves no traffic and asks its workers) both provide it, so the handlers do not
// care which mode they run in.
import type { ConfigIssue } from '../config/config-issue.js'
import type { ReloadFailure, ReloadOutcome } from '../runtime/reload-status.js'

export interface ConfigStatus {
  readonly generation: number
  /** sha256 of the active config text. */
  readonly hash: string
  /** Where the active config came from: the file, or `<admin>` after `PUT /config`. */
  readonly file: string
  /** ISO time the active config was loaded. */
  readonly loadedAt: string
  readonly lastError: ReloadFailure | undefined
}

/** One route as `GET /routes` shows it, in precedence order. */
export interface RouteView {
  readonly name: string
  readonly match: unknown
  readonly action: string
  readonly policies: readonly string[]
}

export interface TargetView {
  readonly url: string
  readonly weight: number
  /** Active health: passed its checks (true without a healthCheck). */
  readonly healthy: boolean
  /** Passive health: out of rotation after consecutive failures, until `ejectedUntil`. */
  readonly ejected: boolean
  readonly inflight: number
}

export interface ServiceView {
  readonly name: string
  readonly algorithm: string
  /** `null` when the service has no circuit breaker. */
  readonly breaker: 'closed' | 'half-open' | 'open' | null
  readonly targets: readonly TargetView[]
}

export type PurgeRequest = { readonly key: string } | { readonly prefix: string }

export interface MetricsPage {
  readonly contentType: string
  readonly text: string
}

export interface AdminBackend {
  readonly mode: 'single' | 'cluster'
  /** Shutting down: /readyz answers 503 so load balancers stop sending traffic. */
  readonly draining: boolean
  configStatus(): ConfigStatus
  /** Checks config text (syntax, schema, references, policy options); no compile, no swap. */
  validate(text: string): readonly ConfigIssue[]
  /** Validates and applies config text; absent where the config file is the only source (cluster). */
  applyConfig?(text: string): Promise<ReloadOutcome>
  /** The Prometheus exposition, or undefined when `metrics.enabled` is false. */
  metrics(): Promise<MetricsPage | undefined>
  routes(): Promise<readonly RouteView[]>
  services(): Promise<readonly ServiceView[]>
  /** Deletes cached responses: how many went for a prefix; undefined for a key (not counted). */
  purge(request: PurgeRequest): Promise<number | undefined>
}
