// The JSON views of `GET /routes` and `GET /services`, built from a snapshot. Pure functions: a
// single gateway calls them directly, cluster workers call them to answer the primary, which
// merges the workers' service views into one (health is per process).
import type { LoadedConfig } from '../config/load-config.js'
import type { Snapshot } from '../runtime/snapshot.js'
import type { RouteView, ServiceView, TargetView } from './admin-backend.js'

/** Every route, most specific first, as the route table tries them. */
export function describeRoutes(snapshot: Snapshot, loaded: LoadedConfig): RouteView[] {
  return snapshot.routes.ordered.map((route) => ({
    name: route.name,
    match: loaded.config.routes[route.index]?.match ?? {},
    action: route.action.describe(),
    policies: [...route.chain.names],
  }))
}

export function describeServices(snapshot: Snapshot, now: number): ServiceView[] {
  return [...snapshot.services.values()].map((service) => ({
    name: service.name,
    algorithm: service.algorithm,
    breaker: service.breaker?.state ?? null,
    targets: service.targets.map((target) => ({
      url: target.url,
      weight: target.weight,
      healthy: target.healthy,
      ejected: target.ejectedUntil > now,
      inflight: target.inflight,
    })),
  }))
}

const BREAKER_SEVERITY = { closed: 0, 'half-open': 1, open: 2 } as const

/**
 * One view from every worker's: a target is healthy only if every worker sees it healthy, ejected
 * if any worker ejected it, in-flight counts add up, and a breaker shows its worst state.
 */
export function mergeServiceViews(perWorker: ReadonlyArray<readonly ServiceView[]>): ServiceView[] {
  const merged = new Map<string, ServiceView>()
  for (const services of perWorker) {
    for (const service of services) {
      const seen = merged.get(service.name)
      merged.set(service.name, seen === undefined ? service : mergeService(seen, service))
    }
  }
  return [...merged.values()]
}

function mergeService(a: ServiceView, b: ServiceView): ServiceView {
  const breaker = a.breaker === null || b.breaker === null ? (a.breaker ?? b.breaker) : BREAKER_SEVERITY[a.breaker] >= BREAKER_SEVERITY[b.breaker] ? a.breaker : b.breaker
  const targets = a.targets.map((target): TargetView => {
    const other = b.targets.find((candidate) => candidate.url === target.url)
    if (other === undefined) return target
    return { ...target, healthy: target.healthy && other.healthy, ejected: target.ejected || other.ejected, inflight: target.inflight + other.inflight }
  })
  return { ...a, breaker, targets }
}
