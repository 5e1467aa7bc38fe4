// Active health checks: every `interval`, GET `path` on each target. `unhealthyAfter` consecutive
// failures take a target out of rotation; `healthyAfter` consecutive successes bring it back.
// Timers are unref'd so they never keep a stopping process alive.
import type { Logger } from '../observability/logger.js'
import type { Target } from './target.js'

export interface HealthCheckSettings {
  readonly path: string
  readonly intervalMs: number
  readonly timeoutMs: number
  readonly unhealthyAfter: number
  readonly healthyAfter: number
  /** Healthy statuses; undefined means any 2xx or 3xx. */
  readonly expectStatus: ReadonlySet<number> | undefined
}

interface ProbeState {
  successes: number
  failures: number
  running: boolean
}

export class HealthChecker {
  readonly #targets: readonly Target[]
  readonly #settings: HealthCheckSettings
  readonly #log: Logger
  readonly #service: string
  readonly #state = new Map<Target, ProbeState>()
  #timer: NodeJS.Timeout | undefined

  constructor(service: string, targets: readonly Target[], settings: HealthCheckSettings, log: Logger) {
    this.#service = service
    this.#targets = targets
    this.#settings = settings
    this.#log = log
    for (const target of targets) this.#state.set(target, { successes: 0, failures: 0, running: false })
  }

  start(): void {
    if (this.#timer) return
    this.#timer = setInterval(() => this.probeAll(), this.#settings.intervalMs)
    this.#timer.unref()
    this.probeAll()
  }

  stop(): void {
    clearInterval(this.#timer)
    this.#timer = undefined
  }

  /** One round of probes; a probe still running from the last round is not doubled. */
  probeAll(): void {
    for (const target of this.#targets) void this.#probe(target)
  }

  async #probe(target: Target): Promise<void> {
    const state = this.#state.get(target) as ProbeState
    if (state.running) return
    state.running = true
    let ok = false
    let reason = ''
    try {
      const response = await target.pool.request({
        method: 'GET',
        path: this.#settings.path,
        headers: { 'user-agent': 'portico-health-check' },
        headersTimeout: this.#settings.timeoutMs,
        bodyTimeout: this.#settings.timeoutMs,
        signal: AbortSignal.timeout(this.#settings.timeoutMs),
      })
      await response.body.dump()
      const expected = this.#settings.expectStatus
      ok = expected ? expected.has(response.statusCode) : response.statusCode >= 200 && response.statusCode < 400
      if (!ok) reason = `status ${response.statusCode}`
    } catch (error) {
      reason = (error as Error).message
    } finally {
      state.running = false
    }
    this.#record(target, state, ok, reason)
  }

  #record(target: Target, state: ProbeState, ok: boolean, reason: string): void {
    if (ok) {
      state.failures = 0
      state.successes++
      if (!target.healthy && state.successes >= this.#settings.healthyAfter) {
        target.healthy = true
        this.#log.info({ service: this.#service, target: target.url }, 'target is healthy again')
      }
    } else {
      state.successes = 0
      state.failures++
      if (target.healthy && state.failures >= this.#settings.unhealthyAfter) {
        target.healthy = false
        this.#log.warn({ service: this.#service, target: target.url, reason }, 'target failed its health checks')
      }
    }
  }
}
