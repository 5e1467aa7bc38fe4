// Admin questions a cluster primary asks its workers over IPC: metrics (merged by the primary),
// routes, services and cache purges. Every message carries an id, so answers from several workers
// and several admin requests in flight never mix.
import cluster, { type Worker } from 'node:cluster'
import type { MetricsJson } from '../observability/metrics.js'
import type { Gateway } from '../runtime/gateway.js'
import type { PurgeRequest, RouteView, ServiceView } from './admin-backend.js'
import { AdminError } from './admin-reply.js'
import { purgeStore } from './gateway-backend.js'
import { describeRoutes, describeServices } from './views.js'

export type WorkerQuery =
  | { readonly kind: 'metrics' }
  | { readonly kind: 'routes' }
  | { readonly kind: 'services' }
  | { readonly kind: 'purge'; readonly request: PurgeRequest }

/** IPC is JSON: `null` stands for "none" (undefined would vanish). */
export type WorkerAnswer =
  | { readonly kind: 'metrics'; readonly metrics: MetricsJson | null }
  | { readonly kind: 'routes'; readonly routes: readonly RouteView[] }
  | { readonly kind: 'services'; readonly services: readonly ServiceView[] }
  | { readonly kind: 'purge'; readonly removed: number | null }

export interface AdminQueryMessage {
  readonly type: 'admin-query'
  readonly id: number
  readonly query: WorkerQuery
}

export interface AdminAnswerMessage {
  readonly type: 'admin-answer'
  readonly id: number
  readonly answer?: WorkerAnswer
  readonly error?: string
}

/** The worker side: answers one query from its gateway. */
export async function answerQuery(gateway: Gateway, query: WorkerQuery): Promise<WorkerAnswer> {
  switch (query.kind) {
    case 'metrics':
      return { kind: 'metrics', metrics: gateway.config.config.metrics?.enabled === false ? null : await gateway.metrics.json() }
    case 'routes':
      return { kind: 'routes', routes: describeRoutes(gateway.runtime.current, gateway.config) }
    case 'services':
      return { kind: 'services', services: describeServices(gateway.runtime.current, Date.now()) }
    case 'purge':
      return { kind: 'purge', removed: (await purgeStore(gateway, query.request)) ?? null }
  }
}

/** Workers that can take a message now (a replacement may still be starting). */
export function liveWorkers(): Worker[] {
  return Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => worker !== undefined && worker.isConnected())
}

let nextId = 1

/** The primary side: asks each worker and resolves with every answer, or fails after `timeoutMs`. */
export async function askWorkers(workers: readonly Worker[], query: WorkerQuery, timeoutMs = 5_000): Promise<WorkerAnswer[]> {
  if (workers.length === 0) throw new AdminError(503, 'ERR_NO_WORKERS', 'No worker is running right now; try again')
  return Promise.all(workers.map((worker) => askWorker(worker, query, timeoutMs)))
}

function askWorker(worker: Worker, query: WorkerQuery, timeoutMs: number): Promise<WorkerAnswer> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    const done = (): void => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('exit', onExit)
    }
    const onMessage = (message: AdminAnswerMessage): void => {
      if (message.type !== 'admin-answer' || message.id !== id) return
      done()
      if (message.answer !== undefined) resolve(message.answer)
      else reject(new AdminError(500, 'ERR_WORKER', `Worker ${worker.id} failed: ${message.error ?? 'no answer'}`))
    }
    const onExit = (): void => {
      done()
      reject(new AdminError(503, 'ERR_WORKER_UNAVAILABLE', `Worker ${worker.id} exited before answering; try again`))
    }
    const timer = setTimeout(() => {
      done()
      reject(new AdminError(503, 'ERR_WORKER_UNAVAILABLE', `Worker ${worker.id} did not answer within ${timeoutMs} ms`))
    }, timeoutMs)
    worker.on('message', onMessage)
    worker.once('exit', onExit)
    const message: AdminQueryMessage = { type: 'admin-query', id, query }
    // With a callback a closed channel is reported here instead of as an 'error' event.
    worker.send(message, undefined, (error: Error | null) => {
      if (error !== null) onExit()
    })
  })
}
