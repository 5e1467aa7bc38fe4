// A route as the request path sees it: compiled matcher, policy chain and action. Immutable; part
// of a Snapshot.
import type { Exchange } from '../exchange/exchange.js'
import type { PathParams } from '../routing/path-pattern.js'
import type { RouteMatcher } from '../routing/route-table.js'
import type { Policy } from './policy.js'

/** What answers a request once the chain let it through. A closed set: see ROUTE_ACTIONS. */
export interface RouteAction {
  readonly kind: 'proxy' | 'redirect' | 'respond' | 'static' | 'aggregate'
  /** Produces the response and hands it to `respond(ex, response)` (or streams it directly). */
  handle(ex: Exchange): void
  /** For an HTTP/1.1 Upgrade (WebSocket); actions without it answer as for any request. */
  handleUpgrade?(ex: Exchange): void
  /**
   * Sends this exchange's upstream request again, outside the client's flow, and buffers the
   * answer (up to `maxBytes`). Used to revalidate cached entries in the background
   * (stale-while-revalidate). Only actions that talk to an upstream have it.
   */
  fetchDetached?(ex: Exchange, extraHeaders: readonly string[], maxBytes: number): Promise<DetachedResponse>
  /** Description for `GET /routes` and `validate --explain`. */
  describe(): string
}

export interface DetachedResponse {
  readonly status: number
  /** Flat lower-case header pairs, hop-by-hop removed. */
  readonly headers: string[]
  /** The body, or undefined when it was larger than asked for. */
  readonly body: Buffer | undefined
}

/** A route's policies in stage order, with flags so empty phases cost nothing. */
export interface CompiledChain {
  readonly policies: readonly Policy[]
  readonly names: readonly string[]
  readonly hasOnRequest: boolean
  /** Some policy has an `onResponse` hook (it may read or wrap the body). */
  readonly hasOnResponse: boolean
  /** Some policy has an `onResponseHeaders` hook (headers only; direct streaming still works). */
  readonly hasOnResponseHeaders: boolean
  readonly hasOnFinish: boolean
}

export interface CompiledRoute {
  readonly name: string
  readonly index: number
  readonly matcher: RouteMatcher
  readonly chain: CompiledChain
  readonly action: RouteAction
  /** Maps the matched path to the upstream path (identity unless `rewrite:` is set). */
  readonly rewrite: (path: string, params: PathParams) => string
  /** Send the client's Host upstream instead of the target's. */
  readonly preserveHost: boolean
}

export function createChain(policies: readonly Policy[], names: readonly string[]): CompiledChain {
  return Object.freeze({
    policies: Object.freeze([...policies]),
    names: Object.freeze([...names]),
    hasOnRequest: policies.some((p) => p.onRequest !== undefined),
    hasOnResponse: policies.some((p) => p.onResponse !== undefined),
    hasOnResponseHeaders: policies.some((p) => p.onResponseHeaders !== undefined),
    hasOnFinish: policies.some((p) => p.onFinish !== undefined),
  })
}
