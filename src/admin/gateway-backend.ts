// The admin API over one in-process gateway (`workers: 1`, and tests): every answer is read from
// the gateway and its active snapshot directly.
import type { ConfigIssue } from '../config/config-issue.js'
import type { ReloadOutcome } from '../runtime/reload-status.js'
import type { Gateway } from '../runtime/gateway.js'
import type { AdminBackend, ConfigStatus, MetricsPage, PurgeRequest, RouteView, ServiceView } from './admin-backend.js'
import { describeRoutes, describeServices } from './views.js'

export class GatewayBackend implements AdminBackend {
  readonly mode = 'single'
  readonly #gateway: Gateway

  constructor(gateway: Gateway) {
    this.#gateway = gateway
  }

  get draining(): boolean {
    return this.#gateway.draining
  }

  configStatus(): ConfigStatus {
    const gateway = this.#gateway
    const status = gateway.reloadStatus
    return {
      generation: gateway.generation,
      hash: gateway.config.hash,
      file: gateway.config.file,
      loadedAt: status.loadedAt.toISOString(),
      lastError: status.lastError,
    }
  }

  validate(text: string): readonly ConfigIssue[] {
    const result = this.#gateway.loadText(text)
    return result.ok ? [] : result.issues
  }

  applyConfig(text: string): Promise<ReloadOutcome> {
    return this.#gateway.reloadText(text)
  }

  async metrics(): Promise<MetricsPage | undefined> {
    if (this.#gateway.config.config.metrics?.enabled === false) return undefined
    const metrics = this.#gateway.metrics
    return { contentType: metrics.contentType, text: await metrics.scrape() }
  }

  async routes(): Promise<readonly RouteView[]> {
    return describeRoutes(this.#gateway.runtime.current, this.#gateway.config)
  }

  async services(): Promise<readonly ServiceView[]> {
    return describeServices(this.#gateway.runtime.current, Date.now())
  }

  async purge(request: PurgeRequest): Promise<number | undefined> {
    return purgeStore(this.#gateway, request)
  }
}

/** Runs a purge on the gateway's store (also used by cluster workers). */
export async function purgeStore(gateway: Gateway, request: PurgeRequest): Promise<number | undefined> {
  if ('prefix' in request) return gateway.store.deletePrefix(request.prefix)
  await gateway.store.delete(request.key)
  return undefined
}
