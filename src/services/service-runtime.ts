// A service ready to serve: its targets (each with a warm connection pool), the balancer, health
// state and circuit breaker. Built once per config generation, and carried over to the next one
// when its settings did not change, so a reload keeps pools, health and breaker state.
import type { ConnectionOptions } from 'node:tls'
import type { ServiceConfig } from '../config/schema/root.js'
import type { Logger } from '../observability/logger.js'
import { createBalancer, type BalanceAlgorithm, type Balancer } from './balancers/balancer.js'
import { CircuitBreaker } from './circuit-breaker.js'
import { eligible } from './balancers/eligible.js'
import { HealthChecker } from './health-checker.js'
import { Target } from './target.js'

/** Defaults for every service setting the config leaves out. */
export const SERVICE_DEFAULTS = {
  balance: 'round-robin' as BalanceAlgorithm,
  timeoutMs: 30_000,
  connectTimeoutMs: 5_000,
  idleTimeoutMs: 60_000,
  retries: 1,
  connections: 256,
  keepAliveTimeoutMs: 4_000,
  passiveFailures: 3,
  passiveEjectMs: 30_000,
  breakerCooldownMs: 30_000,
  health: { intervalMs: 5_000, timeoutMs: 2_000, unhealthyAfter: 3, healthyAfter: 2 },
}

/** Equal fingerprints mean a reload can keep the running service (pools, health, breaker). */
export function serviceFingerprint(config: ServiceConfig, tlsFingerprint: string | undefined): string {
  return JSON.stringify([config, tlsFingerprint ?? null])
}

export class ServiceRuntime {
  readonly name: string
  readonly targets: readonly Target[]
  readonly balancer: Balancer
  readonly algorithm: BalanceAlgorithm
  /** Lower-case header hashed by header-hash; the client IP is hashed by ip-hash. */
  readonly hashHeader: string | undefined
  readonly timeoutMs: number
  readonly perTryTimeoutMs: number
  readonly idleTimeoutMs: number
  readonly retries: number
  readonly retryOn: ReadonlySet<number>
  readonly breaker: CircuitBreaker | undefined
  readonly passiveFailures: number
  readonly passiveEjectMs: number
  /** Identifies the settings this runtime was built from; equal fingerprints are carried over. */
  readonly fingerprint: string
  readonly #health: HealthChecker | undefined
  readonly #log: Logger

  constructor(name: string, config: ServiceConfig, log: Logger, tls?: { options: ConnectionOptions; fingerprint: string }) {
    this.name = name
    this.#log = log
    this.fingerprint = serviceFingerprint(config, tls?.fingerprint)
    const connectTimeoutMs = config.connectTimeout ?? SERVICE_DEFAULTS.connectTimeoutMs
    this.targets = config.targets.map((entry, index) => {
      const url = typeof entry === 'string' ? entry : entry.url
      const weight = typeof entry === 'string' ? 1 : (entry.weight ?? 1)
      return new Target(
        {
          url,
          weight,
          connections: config.connections ?? SERVICE_DEFAULTS.connections,
          keepAliveTimeoutMs: config.keepAliveTimeout ?? SERVICE_DEFAULTS.keepAliveTimeoutMs,
          connectTimeoutMs,
          ...(tls && url.startsWith('https:') ? { tls: tls.options } : {}),
        },
        Math.imul(index + 1, 0x9e3779b1) >>> 0,
      )
    })
    this.algorithm = config.balance ?? SERVICE_DEFAULTS.balance
    this.balancer = createBalancer(this.algorithm)
    this.hashHeader = this.algorithm === 'header-hash' ? config.hashHeader?.toLowerCase() : undefined
    this.timeoutMs = config.timeout ?? SERVICE_DEFAULTS.timeoutMs
    this.perTryTimeoutMs = Math.min(config.perTryTimeout ?? this.timeoutMs, this.timeoutMs)
    this.idleTimeoutMs = config.idleTimeout ?? SERVICE_DEFAULTS.idleTimeoutMs
    this.retries = config.retries ?? SERVICE_DEFAULTS.retries
    this.retryOn = new Set(config.retryOn ?? [])
    const passive = config.passiveHealth
    this.passiveFailures = passive === false ? Infinity : (passive?.failures ?? SERVICE_DEFAULTS.passiveFailures)
    this.passiveEjectMs = passive === false ? 0 : (passive?.ejectFor ?? SERVICE_DEFAULTS.passiveEjectMs)
    if (config.circuitBreaker) {
      this.breaker = new CircuitBreaker(config.circuitBreaker.failures, config.circuitBreaker.cooldown ?? SERVICE_DEFAULTS.breakerCooldownMs)
      this.breaker.onChange = (state) => this.#log[state === 'open' ? 'warn' : 'info']({ service: name, circuit: state }, `circuit ${state}`)
    }
    const check = config.healthCheck
    if (check) {
      const defaults = SERVICE_DEFAULTS.health
      this.#health = new HealthChecker(
        name,
        this.targets,
        {
          path: check.path,
          intervalMs: check.interval ?? defaults.intervalMs,
          timeoutMs: check.timeout ?? defaults.timeoutMs,
          unhealthyAfter: check.unhealthyAfter ?? defaults.unhealthyAfter,
          healthyAfter: check.healthyAfter ?? defaults.healthyAfter,
          expectStatus: check.expectStatus ? new Set(check.expectStatus) : undefined,
        },
        log,
      )
    }
  }

  /** Starts background work (active health checks). */
  start(): void {
    this.#health?.start()
  }

  /** Chooses a target for one attempt; undefined when none is available. */
  pick(now: number, hashKey: string | undefined, tried: readonly Target[] | undefined): Target | undefined {
    return this.balancer.pick(this.targets, now, hashKey, tried)
  }

  /** Whether a target other than those `tried` could take an attempt now (does not move the balancer). */
  hasEligible(now: number, tried: readonly Target[]): boolean {
    return this.targets.some((target) => eligible(target, now, tried))
  }

  /** A request to `target` succeeded (any status below 500). */
  recordSuccess(target: Target): void {
    target.consecutiveFailures = 0
    this.breaker?.onSuccess()
  }

  /** A request to `target` failed (connect error, reset, timeout or 5xx). */
  recordFailure(target: Target, now: number): void {
    this.breaker?.onFailure(now)
    if (++target.consecutiveFailures >= this.passiveFailures) {
      target.consecutiveFailures = 0
      target.ejectedUntil = now + this.passiveEjectMs
      this.#log.warn({ service: this.name, target: target.url, ejectForMs: this.passiveEjectMs }, 'target ejected after consecutive failures')
    }
  }

  async close(): Promise<void> {
    this.#health?.stop()
    await Promise.all(this.targets.map((target) => target.close()))
  }
}
