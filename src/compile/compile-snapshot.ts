// GatewayConfig → Snapshot: services (reusing unchanged ones from the previous generation), policy
// chains, routes and the route table. Everything the request path needs is built here, once.
import type { LoadedConfig } from '../config/load-config.js'
import { ConfigError, type ConfigIssue } from '../config/config-issue.js'
import type { PolicyLocation } from '../config/resolve.js'
import type { RouteConfig } from '../config/schema/root.js'
import { AggregateAction } from '../actions/aggregate/aggregate-action.js'
import { compilePlan } from '../actions/aggregate/plan.js'
import { ProxyAction } from '../actions/proxy/forward.js'
import { RedirectAction } from '../actions/redirect.js'
import { RespondAction } from '../actions/respond.js'
import { StaticAction } from '../actions/static/static-action.js'
import { compileRewrite } from '../actions/proxy/rewrite.js'
import { AccessLog } from '../observability/access-log.js'
import { Tracer } from '../observability/tracer.js'
import type { Logger } from '../observability/logger.js'
import type { RequestMetrics } from '../observability/request-metrics.js'
import type { CompiledRoute, RouteAction } from '../pipeline/compiled-route.js'
import type { Policy, PolicyEnv } from '../pipeline/policy.js'
import type { PolicyRegistry } from '../policies/index.js'
import type { Store } from '../stores/store.js'
import { compilePathPattern } from '../routing/path-pattern.js'
import { RouteMatcher, RouteTable } from '../routing/route-table.js'
import { Snapshot } from '../runtime/snapshot.js'
import { CidrSet } from '../exchange/cidr-set.js'
import { ConsumerDirectory } from '../exchange/consumer.js'
import { ServiceRuntime, serviceFingerprint } from '../services/service-runtime.js'
import { loadUpstreamTls } from './upstream-tls.js'
import { createEntries, mergeChain, type ChainEntry } from './compile-chain.js'

export interface CompileContext {
  readonly registry: PolicyRegistry
  readonly log: Logger
  readonly generation: number
  /** The active snapshot, whose unchanged services are carried over. */
  readonly previous?: Snapshot | undefined
  readonly now?: () => number
  /** The gateway's shared store (memory or Redis). */
  readonly store: Store
  /** The gateway's request recorder; used unless the config turns metrics off. */
  readonly metrics?: RequestMetrics | undefined
}

export async function compileSnapshot(loaded: LoadedConfig, context: CompileContext): Promise<Snapshot> {
  const { config } = loaded
  const log = context.log
  const services = new Map<string, ServiceRuntime>()
  const created: ServiceRuntime[] = []
  const policies: Policy[] = []
  try {
    for (const [name, serviceConfig] of Object.entries(config.services ?? {})) {
      const previous = context.previous?.services.get(name)
      const tls = await loadUpstreamTls(name, serviceConfig.tls, loaded.baseDir, log)
      if (previous !== undefined && previous.fingerprint === serviceFingerprint(serviceConfig, tls?.fingerprint)) {
        services.set(name, previous)
      } else {
        const runtime = new ServiceRuntime(name, serviceConfig, log, tls)
        created.push(runtime)
        services.set(name, runtime)
      }
    }

    const now = context.now ?? Date.now
    const consumers = new ConsumerDirectory(config.consumers ?? [])
    const envFor = (location: PolicyLocation, routeName: string | undefined): PolicyEnv => ({
      location: `${location.file}:${location.line}`,
      baseDir: loaded.baseDir,
      log: log.child({ policyAt: `${location.file}:${location.line}` }),
      routeName,
      now,
      consumers,
      store: context.store,
    })
    const issues: ConfigIssue[] = []
    const globalEntries = (await createEntries(loaded.policies.get('global') ?? [], context.registry, envFor, undefined, loaded.baseDir, issues)).filter(
      (entry): entry is ChainEntry => !('disabled' in entry),
    )
    policies.push(...globalEntries.map((entry) => entry.policy))

    const routes: CompiledRoute[] = []
    for (const [index, route] of config.routes.entries()) {
      const name = route.name ?? `route-${index}`
      const own = await createEntries(loaded.policies.get(`route:${index}`) ?? [], context.registry, envFor, name, loaded.baseDir, issues)
      for (const entry of own) if (!('disabled' in entry)) policies.push(entry.policy)
      const chain = mergeChain(globalEntries, own)
      // A route answering CORS preflights must match OPTIONS even when its methods list omits it.
      const match = chain.names.includes('cors') && route.match.methods !== undefined && !route.match.methods.includes('OPTIONS') ? { ...route.match, methods: [...route.match.methods, 'OPTIONS' as const] } : route.match
      routes.push(
        Object.freeze({
          name,
          index,
          matcher: new RouteMatcher(match),
          chain,
          action: createAction(route, services, loaded.baseDir, log),
          rewrite: compileRewrite(route.rewrite),
          preserveHost: route.preserveHost ?? false,
        }),
      )
    }

    if (issues.length > 0) throw new ConfigError(issues)
    const snapshot = new Snapshot({
      generation: context.generation,
      hash: loaded.hash,
      routes: new RouteTable(routes),
      services,
      policies,
      forwarding: { trustedProxies: new CidrSet(config.server?.trustedProxies ?? []) },
      limits: { maxHeaderCount: config.server?.maxHeaderCount ?? 100, maxUrlLength: config.server?.maxUrlLength ?? 8192 },
      log,
      accessLog: config.logging?.accessLog === false ? undefined : new AccessLog(log),
      tracer: config.tracing !== undefined && config.tracing.enabled !== false ? new Tracer(config.tracing, log) : undefined,
      metrics: config.metrics?.enabled === false ? undefined : context.metrics,
    })
    for (const service of created) service.start()
    return snapshot
  } catch (error) {
    await Promise.allSettled([...created.map((service) => service.close()), ...policies.map((policy) => policy.close?.())])
    throw error
  }
}

function createAction(route: RouteConfig, services: ReadonlyMap<string, ServiceRuntime>, baseDir: string, log: Logger): RouteAction {
  if (route.service !== undefined) return new ProxyAction(services.get(route.service) as ServiceRuntime)
  if (route.redirect !== undefined) return new RedirectAction(route.redirect.to, route.redirect.status)
  if (route.respond !== undefined) return new RespondAction(route.respond)
  if (route.static !== undefined) return new StaticAction(route.static, baseDir, log)
  if (route.aggregate !== undefined) {
    const { plan } = compilePlan(route.aggregate, { params: compilePathPattern(route.match.path ?? '/*').paramNames, services: [...services.keys()] })
    if (plan === undefined) throw new Error(`route ${route.name ?? '?'}: invalid aggregate plan (config validation should have caught this)`)
    return new AggregateAction(plan, services)
  }
  throw new Error(`route ${route.name ?? '?'} has no action (config validation should have caught this)`)
}

/** Closes what `old` owned and `next` did not carry over: services, then policies. */
export async function disposeSnapshot(old: Snapshot, next: Snapshot | undefined): Promise<void> {
  const kept = new Set(next ? [...next.services.values()] : [])
  await Promise.allSettled([
    ...[...old.services.values()].filter((service) => !kept.has(service)).map((service) => service.close()),
    ...old.policies.map((policy) => policy.close?.()),
    old.tracer?.close(),
  ])
}
