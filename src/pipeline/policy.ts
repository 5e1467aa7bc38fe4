// The policy interface: the gateway's extension point. Built-in policies and user modules both
// implement it. A definition is a name, a stage, an options schema and a factory that runs once
// per config generation; the Policy it returns has small per-request hooks.
import type { StaticDecode, TSchema } from 'typebox'
import type { ConsumerDirectory } from '../exchange/consumer.js'
import type { Exchange } from '../exchange/exchange.js'
import type { Store } from '../stores/store.js'
import type { LocalReply } from '../exchange/local-reply.js'
import type { Logger } from '../observability/logger.js'
import type { Stage } from './stages.js'

/** Per-request hooks. All are optional; a route's chain skips the phases nobody uses. */
export interface Policy {
  /** Before the action, in chain order. Return a LocalReply to answer now and stop the chain. */
  onRequest?(ex: Exchange): void | LocalReply | Promise<void | LocalReply>
  /**
   * After the action, in reverse order, for policies that only edit `ex.response.status` and
   * `ex.response.headers`. Synchronous, and it never sees the body, so a proxied body keeps
   * streaming straight through (use it for headers: CORS, rate-limit fields...).
   */
  onResponseHeaders?(ex: Exchange): void
  /** After the action (or a local reply from a later policy), in reverse order: edit `ex.response`, wrap its body. */
  onResponse?(ex: Exchange): void | Promise<void>
  /** Once, after the last byte, an abort or an error. Read-only: logs, counters. */
  onFinish?(ex: Exchange): void
  /** Its config generation was retired: release timers, connections. */
  close?(): Promise<void>
}

/** What a policy factory receives besides its options. */
export interface PolicyEnv {
  /** Where the entry is written (`portico.yaml:42`), for messages. */
  readonly location: string
  /** The directory relative paths in the config resolve from. */
  readonly baseDir: string
  readonly log: Logger
  /** Name of the route this instance serves, or undefined for a global entry. */
  readonly routeName: string | undefined
  /** Milliseconds since the epoch; injectable so tests need not sleep. */
  readonly now: () => number
  /** The consumers declared in the config, by credential. */
  readonly consumers: ConsumerDirectory
  /** Shared state: memory for one instance, Redis for replicas. */
  readonly store: Store
}

/**
 * A policy: a handler factory plus the schema of its options.
 * @example
 * export default definePolicy({
 *   name: 'tenant', stage: 'transform',
 *   options: Type.Object({ header: Type.String() }),
 *   create: (options) => ({ onRequest(ex) { ex.upstreamRequest.headers.set(options.header, 'acme') } }),
 * })
 */
export interface PolicyDefinition<S extends TSchema = TSchema> {
  /** The YAML key, e.g. `rateLimit`. */
  readonly name: string
  readonly stage: Stage
  /** TypeBox schema of the options: validation, the options type, docs and JSON Schema. */
  readonly options: S
  create(options: StaticDecode<S>, env: PolicyEnv): Policy | Promise<Policy>
}

/** Identity helper that infers the options type from the schema. */
export function definePolicy<S extends TSchema>(definition: PolicyDefinition<S>): PolicyDefinition<S> {
  return definition
}
