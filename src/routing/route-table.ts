// Finds the route for a request. Routes are sorted once, at config load, by specificity:
//   1. host: exact name, then wildcards (longest suffix first), then routes without a host;
//   2. path: segment by segment, a literal beats a :param beats the final /*; an exact end beats
//      a wildcard; so `/users/me` > `/users/:id` > `/users/*` > `/*`;
//   3. more conditions (methods, headers, query) beat fewer;
//   4. ties: the order in the file.
// The first route in that order whose every condition holds wins.
import type { ClientRequest } from '../exchange/client-request.js'
import { compileHostPattern, type CompiledHostPattern } from './host-pattern.js'
import { compareRanks, compilePathPattern, type CompiledPathPattern, type PathParams } from './path-pattern.js'

export type ValueCondition = string | { regex: string } | { present: boolean }

export interface RouteMatchSpec {
  readonly host?: string | readonly string[]
  readonly path?: string
  readonly methods?: readonly string[]
  readonly headers?: Readonly<Record<string, ValueCondition>>
  readonly query?: Readonly<Record<string, ValueCondition>>
}

/** A route's match, compiled: host and path patterns plus a predicate for the other conditions. */
export class RouteMatcher {
  readonly hosts: readonly CompiledHostPattern[]
  readonly path: CompiledPathPattern | undefined
  readonly methods: ReadonlySet<string> | undefined
  readonly conditionCount: number
  readonly #headers: ReadonlyArray<readonly [string, (value: string | undefined) => boolean]>
  readonly #query: ReadonlyArray<readonly [string, (value: string | undefined) => boolean]>

  constructor(spec: RouteMatchSpec) {
    const hosts = spec.host === undefined ? [] : typeof spec.host === 'string' ? [spec.host] : spec.host
    this.hosts = hosts.map(compileHostPattern)
    this.path = spec.path === undefined ? undefined : compilePathPattern(spec.path)
    this.methods = spec.methods ? new Set(spec.methods) : undefined
    this.#headers = Object.entries(spec.headers ?? {}).map(([name, condition]) => [name.toLowerCase(), compileCondition(condition)] as const)
    this.#query = Object.entries(spec.query ?? {}).map(([name, condition]) => [name, compileCondition(condition)] as const)
    this.conditionCount = (this.methods ? 1 : 0) + this.#headers.length + this.#query.length
  }

  /** Header and query conditions (host, path and method are checked by the table). */
  matchesConditions(request: ClientRequest): boolean {
    for (const [name, test] of this.#headers) if (!test(request.header(name))) return false
    if (this.#query.length > 0) {
      const params = request.searchParams
      for (const [name, test] of this.#query) if (!test(params.get(name) ?? undefined)) return false
    }
    return true
  }
}

function compileCondition(condition: ValueCondition): (value: string | undefined) => boolean {
  if (typeof condition === 'string') return (value) => value === condition
  if ('regex' in condition) {
    const regex = new RegExp(`^(?:${condition.regex})$`)
    return (value) => value !== undefined && regex.test(value)
  }
  return condition.present ? (value) => value !== undefined : (value) => value === undefined
}

export interface Routable {
  readonly matcher: RouteMatcher
  /** Position in the config file: the final tie-breaker. */
  readonly index: number
}

export interface RouteMatch<R> {
  readonly route: R
  readonly params: PathParams
}

/** The outcome of a lookup: a match, or the methods that would have matched (for a 405). */
export type RouteLookup<R> = RouteMatch<R> | { readonly route: undefined; readonly allowedMethods: ReadonlySet<string> | undefined }

const NO_PARAMS: PathParams = Object.freeze({}) as PathParams

export class RouteTable<R extends Routable> {
  readonly #byExactHost = new Map<string, R[]>()
  readonly #wildcard: Array<{ pattern: CompiledHostPattern; route: R }> = []
  readonly #anyHost: R[] = []
  /** Every route, most specific first (for `GET /routes` and `validate --explain`). */
  readonly ordered: readonly R[]

  constructor(routes: readonly R[]) {
    const sorted = [...routes].sort(comparePrecedence)
    this.ordered = sorted
    for (const route of sorted) {
      const hosts = route.matcher.hosts
      if (hosts.length === 0) this.#anyHost.push(route)
      for (const host of hosts) {
        if (host.kind === 'exact') {
          const key = host.source.toLowerCase().replace(/:\d+$/, '')
          const list = this.#byExactHost.get(key) ?? []
          list.push(route)
          this.#byExactHost.set(key, list)
        } else {
          this.#wildcard.push({ pattern: host, route })
        }
      }
    }
    this.#wildcard.sort((a, b) => b.pattern.suffixLength - a.pattern.suffixLength || comparePrecedence(a.route, b.route))
  }

  match(request: ClientRequest): RouteLookup<R> {
    let allowed: Set<string> | undefined
    const exact = this.#byExactHost.get(request.host)
    if (exact !== undefined) {
      for (let i = 0; i < exact.length; i++) {
        const found = tryRoute(exact[i] as R, request)
        if (found === undefined) continue
        if (typeof found === 'object' && 'route' in found) return found
        allowed = addMethods(allowed, found)
      }
    }
    for (let i = 0; i < this.#wildcard.length; i++) {
      const entry = this.#wildcard[i] as { pattern: CompiledHostPattern; route: R }
      if (!entry.pattern.match(request.host)) continue
      const found = tryRoute(entry.route, request)
      if (found === undefined) continue
      if ('route' in found) return found
      allowed = addMethods(allowed, found)
    }
    const any = this.#anyHost
    for (let i = 0; i < any.length; i++) {
      const found = tryRoute(any[i] as R, request)
      if (found === undefined) continue
      if ('route' in found) return found
      allowed = addMethods(allowed, found)
    }
    return { route: undefined, allowedMethods: allowed }
  }
}

/** A match; or the route's methods when only the method failed; or undefined. */
function tryRoute<R extends Routable>(route: R, request: ClientRequest): RouteMatch<R> | ReadonlySet<string> | undefined {
  const matcher = route.matcher
  let params = NO_PARAMS
  if (matcher.path !== undefined) {
    const found = matcher.path.match(request.path)
    if (found === undefined) return undefined
    params = found
  }
  if (!matcher.matchesConditions(request)) return undefined
  if (matcher.methods !== undefined && !matcher.methods.has(request.method)) return matcher.methods
  return { route, params }
}

function addMethods(into: Set<string> | undefined, methods: ReadonlySet<string>): Set<string> {
  const set = into ?? new Set<string>()
  for (const method of methods) set.add(method)
  return set
}

function comparePrecedence(a: Routable, b: Routable): number {
  const byPath = compareRanks(b.matcher.path?.rank ?? [], a.matcher.path?.rank ?? [])
  if (byPath !== 0) return byPath
  const byConditions = b.matcher.conditionCount - a.matcher.conditionCount
  if (byConditions !== 0) return byConditions
  return a.index - b.index
}
