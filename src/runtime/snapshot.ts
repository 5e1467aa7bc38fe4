// A compiled, immutable config generation: route table, services, policy chains and settings.
// Exchanges pin the snapshot they started on; when a newer one is active and the last exchange of
// an old one finishes, the old one closes whatever the new one did not carry over.
import type { CompiledChain, CompiledRoute } from '../pipeline/compiled-route.js'
import type { Policy } from '../pipeline/policy.js'
import type { AccessLog } from '../observability/access-log.js'
import type { Logger } from '../observability/logger.js'
import type { RouteTable } from '../routing/route-table.js'
import type { ServiceRuntime } from '../services/service-runtime.js'

export interface ForwardingSettings {
  /** Whether the peer may set X-Forwarded-* / Forwarded (it is a trusted proxy). */
  isTrustedPeer(ip: string): boolean
}

export interface SnapshotParts {
  readonly generation: number
  readonly hash: string
  readonly routes: RouteTable<CompiledRoute>
  readonly services: ReadonlyMap<string, ServiceRuntime>
  /** The global chain, applied to replies that match no route (404, 405). */
  readonly globalChain: CompiledChain
  /** Every policy instance created for this generation (closed on retire). */
  readonly policies: readonly Policy[]
  readonly forwarding: ForwardingSettings
  readonly log: Logger
  readonly accessLog: AccessLog | undefined
}

export class Snapshot implements SnapshotParts {
  readonly generation: number
  readonly hash: string
  readonly routes: RouteTable<CompiledRoute>
  readonly services: ReadonlyMap<string, ServiceRuntime>
  readonly globalChain: CompiledChain
  readonly policies: readonly Policy[]
  readonly forwarding: ForwardingSettings
  readonly log: Logger
  readonly accessLog: AccessLog | undefined
  /** Exchanges started on this snapshot and not yet finished. */
  inflight = 0
  #retired: ((snapshot: Snapshot) => void) | undefined

  constructor(parts: SnapshotParts) {
    this.generation = parts.generation
    this.hash = parts.hash
    this.routes = parts.routes
    this.services = parts.services
    this.globalChain = parts.globalChain
    this.policies = parts.policies
    this.forwarding = parts.forwarding
    this.log = parts.log
    this.accessLog = parts.accessLog
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
