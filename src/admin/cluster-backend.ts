// The admin API in a cluster primary, which serves no traffic: config status comes from the
// primary itself; metrics, routes, services and purges are asked of the workers over IPC and
// merged (prom-client's AggregatorRegistry sums counters and applies each gauge's aggregator).
import { AggregatorRegistry } from 'prom-client'
import type { ConfigIssue } from '../config/config-issue.js'
import { loadConfigText } from '../config/load-config.js'
import { PolicyRegistry } from '../policies/index.js'
import type { ClusterPrimary } from '../runtime/cluster.js'
import type { AdminBackend, ConfigStatus, MetricsPage, PurgeRequest, RouteView, ServiceView } from './admin-backend.js'
import { AdminError } from './admin-reply.js'
import { mergeServiceViews } from './views.js'
import { askWorkers, type WorkerAnswer } from './worker-queries.js'

export class ClusterBackend implements AdminBackend {
  readonly mode = 'cluster'
  readonly #primary: ClusterPrimary
  readonly #policies = new PolicyRegistry()

  constructor(primary: ClusterPrimary) {
    this.#primary = primary
  }

  get draining(): boolean {
    return this.#primary.draining
  }

  configStatus(): ConfigStatus {
    const primary = this.#primary
    return {
      generation: primary.generation,
      hash: primary.config.hash,
      file: primary.config.file,
      loadedAt: primary.reloadStatus.loadedAt.toISOString(),
      lastError: primary.reloadStatus.lastError,
    }
  }

  validate(text: string): readonly ConfigIssue[] {
    const result = loadConfigText(text, '<admin>', { policies: this.#policies, baseDir: this.#primary.config.baseDir })
    return result.ok ? [] : result.issues
  }

  async metrics(): Promise<MetricsPage | undefined> {
    if (this.#primary.config.config.metrics?.enabled === false) return undefined
    const answers = await askWorkers(this.#primary.servingWorkers(), { kind: 'metrics' })
    const perWorker = answers.flatMap((answer) => (answer.kind === 'metrics' && answer.metrics !== null ? [answer.metrics] : []))
    const merged = AggregatorRegistry.aggregate([await this.#primary.metrics.json(), ...perWorker])
    return { contentType: merged.contentType, text: await merged.metrics() }
  }

  async routes(): Promise<readonly RouteView[]> {
    // Every worker serves the same generation (prepare/commit), so one answer is enough.
    const [answer] = await askWorkers(this.#primary.servingWorkers().slice(0, 1), { kind: 'routes' })
    return expect(answer, 'routes').routes
  }

  async services(): Promise<readonly ServiceView[]> {
    const answers = await askWorkers(this.#primary.servingWorkers(), { kind: 'services' })
    return mergeServiceViews(answers.map((answer) => expect(answer, 'services').services))
  }

  async purge(request: PurgeRequest): Promise<number | undefined> {
    // Each worker purges its own store; with Redis the first one removes the shared entries and
    // the others find none, so the sum is right in both cases.
    const answers = await askWorkers(this.#primary.servingWorkers(), { kind: 'purge', request })
    if ('key' in request) return undefined
    return answers.reduce((total, answer) => total + (expect(answer, 'purge').removed ?? 0), 0)
  }
}

function expect<K extends WorkerAnswer['kind']>(answer: WorkerAnswer | undefined, kind: K): Extract<WorkerAnswer, { kind: K }> {
  if (answer?.kind !== kind) throw new AdminError(500, 'ERR_WORKER', `A worker sent an unexpected answer to a ${kind} query`)
  return answer as Extract<WorkerAnswer, { kind: K }>
}
