// One upstream origin of a service: its keep-alive connection pool and what the gateway knows of
// its health (active probes, passive ejection) and load (requests in flight).
import type { ConnectionOptions } from 'node:tls'
import { Pool } from 'undici'

export interface TargetOptions {
  readonly url: string
  readonly weight: number
  readonly connections: number
  readonly keepAliveTimeoutMs: number
  readonly connectTimeoutMs: number
  /** TLS options for https targets (CA, servername, client certificate, verification). */
  readonly tls?: ConnectionOptions
}

export class Target {
  /** The origin, `http://host:port`. */
  readonly url: string
  /** Host (and port) for the Host header when the client's is not preserved. */
  readonly authority: string
  readonly weight: number
  readonly pool: Pool
  /** TLS options for an https target (also used by WebSocket upgrades). */
  readonly tls: ConnectionOptions | undefined
  /** Requests sent and not yet finished (least-request balancing). */
  inflight = 0
  /** Active health: false after `unhealthyAfter` failed probes, until `healthyAfter` good ones. */
  healthy = true
  /** Passive health: consecutive failed requests, and the time the ejection ends. */
  consecutiveFailures = 0
  ejectedUntil = 0
  /** Smooth weighted round-robin state (nginx's algorithm). */
  currentWeight = 0
  /** Per-target seed for rendezvous hashing, so each target scores a key differently. */
  readonly hashSeed: number

  constructor(options: TargetOptions, seed: number) {
    const url = new URL(options.url)
    this.url = url.origin
    this.authority = url.host
    this.weight = options.weight
    this.hashSeed = seed
    this.tls = options.tls
    this.pool = new Pool(url.origin, {
      connections: options.connections,
      pipelining: 1,
      keepAliveTimeout: options.keepAliveTimeoutMs,
      keepAliveMaxTimeout: Math.max(options.keepAliveTimeoutMs, 60_000),
      connect: { timeout: options.connectTimeoutMs, ...(options.tls ?? {}) },
      // The gateway sets these per request from the service's timeouts.
      headersTimeout: 0,
      bodyTimeout: 0,
    })
  }

  /** In rotation: passed its active checks and not passively ejected. */
  isAvailable(now: number): boolean {
    return this.healthy && (this.ejectedUntil === 0 || this.ejectedUntil <= now)
  }

  async close(): Promise<void> {
    await this.pool.close()
  }
}
