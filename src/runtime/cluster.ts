// Multi-core serving with node:cluster. The primary owns the config source: it validates once,
// then runs a two-step reload: *prepare* (every serving worker compiles and acknowledges) and
// *commit* only if all are ready, otherwise *abort*, so workers never serve different configs.
// Workers that die are replaced; a worker that joins while a reload runs (a replacement still
// starting) is brought onto the committed config once it serves. On the worker side a prepare
// that completes after its abort (or after a newer commit) is discarded, never kept. SIGTERM
// drains every worker, then the primary exits 0.
import cluster, { type Worker } from 'node:cluster'
import { loadConfigText, type LoadedConfig } from '../config/load-config.js'
import { ConfigError, formatIssue } from '../config/config-issue.js'
import type { Logger } from '../observability/logger.js'
import { PorticoMetrics } from '../observability/metrics.js'
import { answerQuery, liveWorkers, type AdminAnswerMessage, type AdminQueryMessage } from '../admin/worker-queries.js'
import { PolicyRegistry } from '../policies/index.js'
import { DRAIN_DEFAULT_MS, Gateway } from './gateway.js'
import type { Snapshot } from './snapshot.js'
import { ReloadStatus, type ReloadOutcome } from './reload-status.js'

/** Messages between primary and workers. */
export type PrimaryMessage =
  | { type: 'config'; file: string; text: string; generation: number }
  | { type: 'prepare'; file: string; text: string; generation: number }
  | { type: 'commit'; generation: number }
  | { type: 'abort'; generation: number }
  | { type: 'shutdown' }
  | AdminQueryMessage

export type WorkerMessage =
  | { type: 'ready' }
  | { type: 'started'; generation: number }
  | { type: 'start-failed'; message: string }
  | { type: 'prepared'; generation: number }
  | { type: 'prepare-failed'; generation: number; message: string }
  | AdminAnswerMessage

/** How the primary's prepare request to one worker ended. */
type PrepareAnswer = { type: 'prepared' } | { type: 'prepare-failed'; message: string } | { type: 'exited' }

/** How long a worker may take to prepare before the primary aborts the reload. */
const PREPARE_TIMEOUT_MS = 30_000

export interface PrimaryOptions {
  readonly loaded: LoadedConfig
  readonly workers: number
  /** The module each worker runs (it calls `runWorker`). */
  readonly workerEntry: string
  readonly log: Logger
}

export class ClusterPrimary {
  readonly #options: PrimaryOptions
  readonly #log: Logger
  #loaded: LoadedConfig
  #generation = 1
  #stopping = false
  /** Reloads and catch-ups run one at a time, in order. */
  #queue: Promise<unknown> = Promise.resolve()
  /** Workers that serve (they reported 'started'), by id: the generation each one serves. */
  readonly #serving = new Map<number, number>()
  /** Reload counts and the generation; the workers' own metrics are merged in by the admin API. */
  readonly metrics = PorticoMetrics.forPrimary(() => this.#generation)
  readonly reloadStatus = new ReloadStatus(this.metrics)

  constructor(options: PrimaryOptions) {
    this.#options = options
    this.#log = options.log
    this.#loaded = options.loaded
  }

  get generation(): number {
    return this.#generation
  }

  /** The config every worker serves. */
  get config(): LoadedConfig {
    return this.#loaded
  }

  get draining(): boolean {
    return this.#stopping
  }

  /** Forks the workers and resolves once all of them serve (or rejects if one cannot start). */
  async start(): Promise<void> {
    cluster.setupPrimary({ exec: this.#options.workerEntry, args: [], execArgv: workerExecArgv() })
    cluster.on('exit', (worker, code, signal) => {
      this.#serving.delete(worker.id)
      if (this.#stopping) return
      this.#log.error({ worker: worker.id, code, signal }, 'worker exited; starting a replacement')
      setTimeout(() => {
        if (this.#stopping) return
        this.#fork().catch((error: Error) => this.#log.error({ err: error }, 'replacement worker failed'))
      }, 500).unref()
    })
    await Promise.all(Array.from({ length: this.#options.workers }, () => this.#fork()))
  }

  #fork(): Promise<void> {
    const worker = cluster.fork({ PORTICO_LOG_LEVEL: this.#loaded.config.logging?.level ?? 'info' })
    return new Promise((resolve, reject) => {
      const done = (): void => {
        worker.off('message', onMessage)
        worker.off('exit', onExit)
      }
      const onMessage = (message: WorkerMessage): void => {
        // 'ready' comes once the worker listens for messages; anything sent before is lost.
        if (message.type === 'ready') {
          // A stop that began while this worker booted could not reach it: tell it now.
          if (this.#stopping) {
            done()
            send(worker, { type: 'shutdown' })
            return resolve()
          }
          send(worker, { type: 'config', file: this.#loaded.file, text: this.#loaded.text, generation: this.#generation })
        } else if (message.type === 'started') {
          done()
          this.#joined(worker, message.generation)
          resolve()
        } else if (message.type === 'start-failed') {
          done()
          reject(new Error(message.message))
        }
      }
      const onExit = (): void => {
        done()
        reject(new Error(`worker ${worker.id} exited before it started serving`))
      }
      worker.on('message', onMessage)
      worker.once('exit', onExit)
    })
  }

  /**
   * A worker serves from now on. It started on the config it was sent at 'ready'; a reload may
   * have committed since (it was not part of that reload), so once the queue reaches this check
   * it is brought onto the current config if it lags behind.
   */
  #joined(worker: Worker, generation: number): void {
    this.#serving.set(worker.id, generation)
    this.#enqueue(() => this.#catchUp(worker)).catch((error: Error) => this.#log.error({ err: error, worker: worker.id }, 'could not bring a worker onto the current config'))
  }

  /** Validates new text and, if valid, runs prepare/commit across the workers. Serialized. */
  reload(text: string): Promise<ReloadOutcome> {
    return this.#enqueue(() => this.#reload(text))
  }

  /** Runs `task` after every queued one; a failed task does not block the ones after it. */
  #enqueue<T>(task: () => Promise<T>): Promise<T> {
    const outcome = this.#queue.then(task, task)
    this.#queue = outcome
    return outcome
  }

  async #reload(text: string): Promise<ReloadOutcome> {
    const result = loadConfigText(text, this.#loaded.file, { policies: new PolicyRegistry() })
    if (!result.ok) {
      for (const issue of result.issues) this.#log.error(formatIssue(issue))
      this.#log.error('config reload refused; the previous config stays active')
      this.reloadStatus.failed(result.issues)
      return { ok: false, issues: result.issues }
    }
    const generation = this.#generation + 1
    // Workers still starting are left out: they catch up once they serve (see #joined).
    const workers = this.#servingWorkers()
    const answers = await Promise.all(workers.map((worker) => prepareOn(worker, result.loaded, generation)))
    const failed = answers.find((answer) => answer.type === 'prepare-failed')
    if (failed !== undefined) {
      for (const worker of workers) send(worker, { type: 'abort', generation })
      const reason = failed.type === 'prepare-failed' ? failed.message : ''
      this.#log.error({ reason }, 'config reload aborted; the previous config stays active')
      const issues = [{ file: this.#loaded.file, line: 0, column: 0, path: '(compile)', expected: 'a config every worker can compile', found: reason }]
      this.reloadStatus.failed(issues)
      return { ok: false, issues }
    }
    // A worker that exited meanwhile gets no commit; its replacement starts on the new config.
    workers.forEach((worker, index) => {
      if (answers[index]?.type === 'prepared') this.#commitOn(worker, generation)
    })
    this.#generation = generation
    this.#loaded = result.loaded
    this.reloadStatus.succeeded()
    this.#log.info({ generation, hash: result.loaded.hash }, 'config reloaded')
    return { ok: true, generation, hash: result.loaded.hash }
  }

  /**
   * Brings one worker that serves an older generation onto the current config (prepare + commit
   * for it alone). If it cannot, it is restarted: its replacement starts on the current config.
   * Not a reload: the reload status and counters stay as they are.
   */
  async #catchUp(worker: Worker): Promise<void> {
    const serving = this.#serving.get(worker.id)
    if (serving === undefined || serving >= this.#generation || !worker.isConnected()) return
    const generation = this.#generation
    const answer = await prepareOn(worker, this.#loaded, generation)
    if (answer.type === 'prepared') {
      this.#commitOn(worker, generation)
      this.#log.info({ worker: worker.id, from: serving, generation }, 'worker brought onto the current config')
    } else if (answer.type === 'prepare-failed') {
      send(worker, { type: 'abort', generation })
      this.#log.error({ worker: worker.id, reason: answer.message }, 'worker could not load the current config; restarting it')
      this.#serving.delete(worker.id)
      send(worker, { type: 'shutdown' })
    }
  }

  #commitOn(worker: Worker, generation: number): void {
    send(worker, { type: 'commit', generation })
    this.#serving.set(worker.id, generation)
  }

  /** Connected workers that serve (a replacement that is still starting is not one of them). */
  #servingWorkers(): Worker[] {
    return liveWorkers().filter((worker) => this.#serving.has(worker.id))
  }

  /** Workers that serve now (for admin queries: a replacement still booting cannot answer). */
  servingWorkers(): Worker[] {
    return this.#servingWorkers()
  }

  /**
   * Asks every worker to drain and waits for them to exit. A worker still booting gets the
   * request when it says 'ready'; one that does not exit by the drain timeout (plus a margin)
   * is killed, so the primary always ends.
   */
  async stop(): Promise<void> {
    this.#stopping = true
    const deadlineMs = (this.#loaded.config.shutdown?.drainTimeout ?? DRAIN_DEFAULT_MS) + 5_000
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined)
    await Promise.all(
      workers.map(
        (worker) =>
          new Promise<void>((resolve) => {
            if (worker.isDead()) return resolve()
            const killer = setTimeout(() => {
              this.#log.error({ worker: worker.id }, 'worker did not stop in time; killing it')
              worker.process.kill('SIGKILL')
            }, deadlineMs)
            killer.unref()
            worker.once('exit', () => {
              clearTimeout(killer)
              resolve()
            })
            send(worker, { type: 'shutdown' })
          }),
      ),
    )
  }
}

function send(worker: Worker, message: PrimaryMessage): void {
  if (worker.isConnected()) worker.send(message)
}

/** Asks one worker to prepare `generation`; resolves with its answer, a timeout, or its exit. */
function prepareOn(worker: Worker, loaded: LoadedConfig, generation: number): Promise<PrepareAnswer> {
  return new Promise((resolve) => {
    const finish = (answer: PrepareAnswer): void => {
      clearTimeout(timer)
      worker.off('message', onMessage)
      worker.off('exit', onExit)
      resolve(answer)
    }
    const timer = setTimeout(() => finish({ type: 'prepare-failed', message: `worker ${worker.id} did not answer prepare in time` }), PREPARE_TIMEOUT_MS)
    const onMessage = (message: WorkerMessage): void => {
      if (message.type === 'prepared' && message.generation === generation) finish({ type: 'prepared' })
      else if (message.type === 'prepare-failed' && message.generation === generation) finish({ type: 'prepare-failed', message: message.message })
    }
    const onExit = (): void => finish({ type: 'exited' })
    worker.on('message', onMessage)
    worker.once('exit', onExit)
    send(worker, { type: 'prepare', file: loaded.file, text: loaded.text, generation })
  })
}

/** What a worker session needs of its gateway: a Gateway, or a fake in unit tests. */
export interface WorkerGateway<P> {
  /** The generation it serves (committed). */
  readonly generation: number
  prepare(loaded: LoadedConfig, generation: number): Promise<P>
  commit(prepared: P, loaded: LoadedConfig): void
  discard(prepared: P): Promise<void>
  close(): Promise<void>
}

export interface WorkerSessionOptions<P, G extends WorkerGateway<P>> {
  /** Starts serving `loaded` as `generation`. */
  start(loaded: LoadedConfig, generation: number): Promise<G>
  /** Parses and validates config text (throws a ConfigError). */
  load(file: string, text: string): LoadedConfig
  reply(message: WorkerMessage): void
  readonly log: Logger
}

/** One prepare in progress. The abort of its generation marks it, so it is discarded when done. */
interface PrepareAttempt {
  readonly generation: number
  aborted: boolean
}

/**
 * A worker's side of the protocol: start, prepare/commit/abort, close. Prepared snapshots wait
 * in `pending` for their commit or abort. A prepare still compiling when its abort arrives (the
 * primary timed out) is discarded when it completes, as is one that a newer commit overtook; a
 * commit discards whatever older generations are still pending. Generation numbers can repeat
 * after an abort (the next reload tries the same number), so aborts mark the attempts in
 * progress, not the number.
 */
export class WorkerSession<P, G extends WorkerGateway<P>> {
  readonly #options: WorkerSessionOptions<P, G>
  #gateway: G | undefined
  readonly #pending = new Map<number, { prepared: P; loaded: LoadedConfig }>()
  readonly #attempts = new Set<PrepareAttempt>()
  #closing = false

  constructor(options: WorkerSessionOptions<P, G>) {
    this.#options = options
  }

  get gateway(): G | undefined {
    return this.#gateway
  }

  /** Starts on the primary's config and reports the generation it serves. Rethrows a failure. */
  async start(file: string, text: string, generation: number): Promise<void> {
    let gateway: G
    try {
      gateway = await this.#options.start(this.#options.load(file, text), generation)
    } catch (error) {
      this.#options.reply({ type: 'start-failed', message: (error as Error).message })
      throw error
    }
    this.#gateway = gateway
    this.#options.log.debug({ generation: gateway.generation }, 'worker serving config')
    this.#options.reply({ type: 'started', generation: gateway.generation })
  }

  /** Compiles `generation` and answers 'prepared' (kept until commit/abort) or 'prepare-failed'. */
  async prepare(file: string, text: string, generation: number): Promise<void> {
    const gateway = this.#gateway
    if (gateway === undefined || generation <= gateway.generation) {
      const message = gateway === undefined ? 'worker not started' : `generation ${generation} is not newer than the active ${gateway.generation}`
      this.#options.reply({ type: 'prepare-failed', generation, message })
      return
    }
    // Registered before the first await: an abort that follows this prepare always finds it.
    const attempt: PrepareAttempt = { generation, aborted: false }
    this.#attempts.add(attempt)
    try {
      const loaded = this.#options.load(file, text)
      const prepared = await gateway.prepare(loaded, generation)
      this.#settle(attempt, gateway, { prepared, loaded })
    } catch (error) {
      if (!attempt.aborted) this.#options.reply({ type: 'prepare-failed', generation, message: (error as Error).message })
    } finally {
      this.#attempts.delete(attempt)
    }
  }

  /** A prepare completed: keep it for its commit, or discard it if it is no longer wanted. */
  #settle(attempt: PrepareAttempt, gateway: G, entry: { prepared: P; loaded: LoadedConfig }): void {
    const { generation } = attempt
    if (attempt.aborted || this.#closing || generation <= gateway.generation) {
      this.#options.log.debug({ generation, active: gateway.generation }, 'discarding a prepared config that was aborted or overtaken')
      this.#discard(entry.prepared)
      if (!attempt.aborted && !this.#closing) this.#options.reply({ type: 'prepare-failed', generation, message: `generation ${gateway.generation} became active first` })
      return
    }
    const previous = this.#pending.get(generation)
    if (previous !== undefined) this.#discard(previous.prepared)
    this.#pending.set(generation, entry)
    this.#options.reply({ type: 'prepared', generation })
  }

  /** Activates a prepared generation and discards every older one still pending. */
  commit(generation: number): void {
    const gateway = this.#gateway
    const entry = this.#pending.get(generation)
    this.#pending.delete(generation)
    if (gateway === undefined || entry === undefined) return
    if (generation <= gateway.generation) {
      this.#discard(entry.prepared)
      return
    }
    gateway.commit(entry.prepared, entry.loaded)
    this.#options.log.debug({ generation }, 'worker serving config')
    this.#dropPendingUpTo(generation)
  }

  /** Drops a generation: its prepared snapshot now, or its prepare in progress when it completes. */
  abort(generation: number): void {
    for (const attempt of this.#attempts) if (attempt.generation === generation) attempt.aborted = true
    const entry = this.#pending.get(generation)
    this.#pending.delete(generation)
    if (entry !== undefined) this.#discard(entry.prepared)
  }

  /** Discards every pending snapshot (and any still compiling), then closes the gateway. */
  async close(): Promise<void> {
    this.#closing = true
    this.#dropPendingUpTo(Infinity)
    await this.#gateway?.close()
  }

  #dropPendingUpTo(generation: number): void {
    for (const [pending, entry] of this.#pending) {
      if (pending > generation) continue
      this.#pending.delete(pending)
      this.#discard(entry.prepared)
    }
  }

  #discard(prepared: P): void {
    this.#gateway?.discard(prepared).catch((error: Error) => this.#options.log.warn({ err: error }, 'could not dispose of a discarded config'))
  }
}

/** The worker side: start on the primary's config, then follow prepare/commit/abort/shutdown. */
export function runWorker(log: Logger): void {
  const registry = new PolicyRegistry()
  const reply = (message: WorkerMessage): void => {
    process.send?.(message)
  }
  const session = new WorkerSession<Snapshot, Gateway>({
    start: (loaded, generation) => Gateway.start(loaded, { log, registry, initialGeneration: generation }),
    load: (file, text) => {
      const result = loadConfigText(text, file, { policies: registry })
      if (!result.ok) throw new ConfigError(result.issues)
      return result.loaded
    },
    reply,
    log,
  })
  const shutdown = async (): Promise<void> => {
    await session.close()
    process.exit(0)
  }
  process.on('message', (message: PrimaryMessage) => {
    switch (message.type) {
      case 'config':
        session.start(message.file, message.text, message.generation).catch(() => process.exit(1))
        break
      case 'prepare':
        void session.prepare(message.file, message.text, message.generation)
        break
      case 'commit':
        session.commit(message.generation)
        break
      case 'abort':
        session.abort(message.generation)
        break
      case 'shutdown':
        void shutdown()
        break
      case 'admin-query':
        answerAdminQuery(session.gateway, message, reply)
        break
    }
  })
  // The terminal's Ctrl-C reaches every process of the group; the primary coordinates the stop.
  process.on('SIGINT', () => {})
  process.on('SIGTERM', () => void shutdown())
  reply({ type: 'ready' })
}

function answerAdminQuery(gateway: Gateway | undefined, { id, query }: AdminQueryMessage, reply: (message: WorkerMessage) => void): void {
  if (gateway === undefined) {
    reply({ type: 'admin-answer', id, error: 'worker not started' })
    return
  }
  answerQuery(gateway, query).then(
    (answer) => reply({ type: 'admin-answer', id, answer }),
    (error: Error) => reply({ type: 'admin-answer', id, error: error.message }),
  )
}

/**
 * V8 flags for workers. A larger young generation (semi-space) keeps the short-lived objects of
 * many concurrent exchanges out of the old generation: at 256 connections it roughly halves GC
 * time and p99 in the benchmark. An explicit setting (execArgv or NODE_OPTIONS) wins.
 */
export function workerExecArgv(): string[] {
  const explicit = [...process.execArgv, process.env.NODE_OPTIONS ?? ''].some((arg) => arg.includes('--max-semi-space-size'))
  return explicit ? [...process.execArgv] : [...process.execArgv, '--max-semi-space-size=32']
}
