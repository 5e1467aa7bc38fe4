// One gateway process: the runtime (active snapshot), its listeners, reload and graceful stop.
// `portico start` runs one of these per worker; tests start one in-process on port 0.
import { loadConfigText, type LoadedConfig, type LoadResult } from '../config/load-config.js'
import { buildUpstreamRequest } from '../actions/proxy/upstream-request.js'
import { compileSnapshot, disposeSnapshot } from '../compile/compile-snapshot.js'
import type { Logger } from '../observability/logger.js'
import { PorticoMetrics } from '../observability/metrics.js'
import { PolicyRegistry } from '../policies/index.js'
import { Listener, SERVER_DEFAULTS, type ListenerSpec, type ServerLimits } from '../server/listener.js'
import { CertificateStore } from '../server/certificate-store.js'
import { ConfigError } from '../config/config-issue.js'
import type { ListenerConfig } from '../config/schema/root.js'
import { dirname, resolve } from 'node:path'
import { GatewayRuntime } from './runtime.js'
import { createStore } from '../stores/create-store.js'
import { instrumentStore } from '../stores/instrumented-store.js'
import type { Store } from '../stores/store.js'
import type { Snapshot } from './snapshot.js'
import { issuesOf, ReloadStatus, type ReloadOutcome } from './reload-status.js'

export interface GatewayOptions {
  readonly log: Logger
  readonly registry?: PolicyRegistry
  /** Milliseconds since the epoch; injectable for policies that keep time. */
  readonly now?: () => number
  /** Generation of the first snapshot (default 1); a cluster worker starts on the primary's. */
  readonly initialGeneration?: number
}

export const DRAIN_DEFAULT_MS = 30_000

export class Gateway {
  readonly runtime: GatewayRuntime
  readonly listeners: Listener[] = []
  readonly #options: GatewayOptions
  readonly #registry: PolicyRegistry
  /** Shared state for policies; lives as long as the process (see stores/create-store.ts). */
  readonly store: Store
  /** Prometheus metrics of this gateway (its own registry). */
  readonly metrics: PorticoMetrics
  /** When the active config was loaded, and the last refused reload (admin API). */
  readonly reloadStatus: ReloadStatus
  #generation: number
  #loaded: LoadedConfig
  #stopping: Promise<void> | undefined
  /** Reloads from text (file watch, admin API) run one at a time. */
  #reloading: Promise<unknown> = Promise.resolve()

  private constructor(initial: Snapshot, loaded: LoadedConfig, options: GatewayOptions, registry: PolicyRegistry, store: Store, metrics: PorticoMetrics) {
    this.#options = options
    this.#registry = registry
    this.store = store
    this.metrics = metrics
    this.reloadStatus = new ReloadStatus(metrics)
    this.#generation = initial.generation
    this.#loaded = loaded
    this.runtime = new GatewayRuntime(initial, (old, next) => {
      void disposeSnapshot(old, next)
    })
  }

  /** Compiles the config, opens every listener and starts serving. */
  static async start(loaded: LoadedConfig, options: GatewayOptions): Promise<Gateway> {
    const registry = options.registry ?? new PolicyRegistry()
    // The metrics read the gateway lazily (at scrape time); it exists by the first scrape.
    const started: { gateway?: Gateway } = {}
    const metrics = PorticoMetrics.forGateway({
      generation: () => started.gateway?.generation ?? 0,
      inflight: () => started.gateway?.runtime.inflight() ?? 0,
      services: () => started.gateway?.runtime.current.services.values() ?? [],
    })
    const store = instrumentStore(await createStore(loaded.config.store, options.log, options.now), (operation) => metrics.countStoreError(operation))
    let snapshot: Snapshot
    try {
      snapshot = await compileSnapshot(loaded, { registry, log: options.log, generation: options.initialGeneration ?? 1, now: options.now, store, metrics: metrics.requests })
    } catch (error) {
      await store.close()
      throw error
    }
    const gateway = new Gateway(snapshot, loaded, options, registry, store, metrics)
    started.gateway = gateway
    try {
      await gateway.#openListeners(loaded)
    } catch (error) {
      await gateway.close(0)
      throw error
    }
    return gateway
  }

  get generation(): number {
    return this.#generation
  }

  get config(): LoadedConfig {
    return this.#loaded
  }

  /** True once close() was called: the gateway is draining and should get no new traffic. */
  get draining(): boolean {
    return this.#stopping !== undefined
  }

  /** Validates config text with this gateway's policies; relative paths resolve like the active config's. */
  loadText(text: string, file = '<admin>'): LoadResult {
    const baseDir = file.startsWith('<') ? this.#loaded.baseDir : dirname(resolve(file))
    return loadConfigText(text, file, { policies: this.#registry, baseDir })
  }

  /**
   * Validates and applies new config text (file watch, admin `PUT /config`), one at a time. A
   * refusal keeps the current config and is kept as `reloadStatus.lastError`.
   */
  reloadText(text: string, file = '<admin>'): Promise<ReloadOutcome> {
    const run = async (): Promise<ReloadOutcome> => {
      const result = this.loadText(text, file)
      if (!result.ok) {
        this.reloadStatus.failed(result.issues)
        return { ok: false, issues: result.issues }
      }
      try {
        const snapshot = await this.reload(result.loaded)
        return { ok: true, generation: snapshot.generation, hash: snapshot.hash }
      } catch (error) {
        return { ok: false, issues: issuesOf(error, file) }
      }
    }
    const outcome = this.#reloading.then(run, run)
    this.#reloading = outcome
    return outcome
  }

  /**
   * Builds a snapshot from `loaded` and swaps it in. Throws (keeping the current config) when it
   * cannot be compiled. Listener changes are not applied by reload: they need a restart.
   */
  async reload(loaded: LoadedConfig): Promise<Snapshot> {
    // A stopping gateway has disposed (or is disposing) its snapshot; a new one would leak.
    if (this.#stopping !== undefined) throw new Error('the gateway is shutting down; the config was not applied')
    let next: Snapshot
    try {
      next = await this.prepare(loaded)
    } catch (error) {
      this.reloadStatus.failed(issuesOf(error, loaded.file))
      throw error
    }
    if (this.#stopping !== undefined) {
      await this.discard(next)
      throw new Error('the gateway is shutting down; the config was not applied')
    }
    this.commit(next, loaded)
    this.reloadStatus.succeeded()
    return next
  }

  /** Compiles a snapshot without activating it (the cluster's prepare step). */
  async prepare(loaded: LoadedConfig, generation = this.#generation + 1): Promise<Snapshot> {
    return compileSnapshot(loaded, {
      registry: this.#registry,
      log: this.#options.log,
      generation,
      previous: this.runtime.current,
      now: this.#options.now,
      store: this.store,
      metrics: this.metrics.requests,
    })
  }

  /** Activates a prepared snapshot: new exchanges use it from now on. */
  commit(next: Snapshot, loaded: LoadedConfig): void {
    if (JSON.stringify(loaded.config.listeners) !== JSON.stringify(this.#loaded.config.listeners)) {
      this.#options.log.warn('listener changes take effect after a restart; the current listeners stay open')
    }
    if (JSON.stringify(loaded.config.store) !== JSON.stringify(this.#loaded.config.store)) {
      this.#options.log.warn('store changes take effect after a restart; the current store stays in use')
    }
    if (JSON.stringify(loaded.config.admin) !== JSON.stringify(this.#loaded.config.admin)) {
      this.#options.log.warn('admin API changes take effect after a restart')
    }
    this.#generation = next.generation
    this.#loaded = loaded
    this.runtime.activate(next)
  }

  /** Drops a prepared snapshot that will not be activated (the cluster aborted the reload). */
  async discard(prepared: Snapshot): Promise<void> {
    await disposeSnapshot(prepared, this.runtime.current)
  }

  /**
   * Graceful stop: stop accepting, let in-flight exchanges finish (up to `drainTimeoutMs`), then
   * close what is left and release every pool and timer.
   */
  close(drainTimeoutMs = this.#loaded.config.shutdown?.drainTimeout ?? DRAIN_DEFAULT_MS): Promise<void> {
    this.#stopping ??= this.#drain(drainTimeoutMs)
    return this.#stopping
  }

  async #drain(drainTimeoutMs: number): Promise<void> {
    for (const listener of this.listeners) listener.stopAccepting()
    const deadline = Date.now() + drainTimeoutMs
    while (this.runtime.inflight() > 0 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 25))
      for (const listener of this.listeners) listener.closeIdle()
    }
    for (const listener of this.listeners) listener.destroyAll()
    const current = this.runtime.current
    await disposeSnapshot(current, undefined)
    await this.store.close()
  }

  async #openListeners(loaded: LoadedConfig): Promise<void> {
    const server = loaded.config.server
    const limits: ServerLimits = {
      headerTimeoutMs: server?.headerTimeout ?? SERVER_DEFAULTS.headerTimeoutMs,
      requestTimeoutMs: server?.requestTimeout ?? SERVER_DEFAULTS.requestTimeoutMs,
      keepAliveTimeoutMs: server?.keepAliveTimeout ?? SERVER_DEFAULTS.keepAliveTimeoutMs,
      maxHeaderSize: server?.maxHeaderSize ?? SERVER_DEFAULTS.maxHeaderSize,
    }
    for (const config of loaded.config.listeners) {
      const listener = new Listener(await listenerSpec(config, loaded.baseDir, this.#options.log), limits, {
        runtime: this.runtime,
        buildUpstream: buildUpstreamRequest,
      })
      this.listeners.push(listener)
      await listener.listen()
    }
  }
}

/** Resolves a listener's config: file paths against the config directory, certificates loaded. */
async function listenerSpec(config: ListenerConfig, baseDir: string, log: Logger): Promise<ListenerSpec> {
  const host = config.host ?? '0.0.0.0'
  const name = config.name ?? `${host}:${config.port}`
  const redirect = config.redirectToHttps
  const base: ListenerSpec = { name, host, port: config.port, ...(redirect ? { redirectToHttps: { port: typeof redirect === 'object' ? redirect.port : undefined } } : {}) }
  const tls = config.tls
  if (tls === undefined) return base
  if (tls.clientCertificate !== undefined && tls.clientCa === undefined) {
    throw new ConfigError([{ file: '(listener)', line: 0, column: 0, path: `listeners[${name}].tls.clientCa`, expected: 'a CA file when clientCertificate is set', found: 'none' }])
  }
  let certificates: CertificateStore
  try {
    certificates = await CertificateStore.load(
      {
        certificates: tls.certificates.map((c) => ({ cert: resolve(baseDir, c.cert), key: resolve(baseDir, c.key), default: c.default ?? false })),
        minVersion: tls.minVersion ?? 'TLSv1.2',
        ciphers: tls.ciphers,
        clientCa: tls.clientCa === undefined ? undefined : resolve(baseDir, tls.clientCa),
      },
      log.child({ listener: name }),
    )
  } catch (error) {
    throw new ConfigError([{ file: '(listener)', line: 0, column: 0, path: `listeners[${name}].tls.certificates`, expected: 'readable PEM certificates with their keys', found: (error as Error).message }])
  }
  return { ...base, tls: { certificates, http2: config.http2 ?? true, clientCertificate: tls.clientCertificate, forwardClientSubject: tls.forwardClientSubject } }
}
