// An aggregate route's plan: its calls as a DAG (a `{call.field}` placeholder makes a call wait for
// that call), in topological order, with templates and selections compiled. Built once per config
// load. Pure (no runtime imports), so config validation reports the same problems the action
// would hit: unknown services and calls, cycles, params the route does not capture.
import type { StaticDecode } from 'typebox'
import type { ConfigPath } from '../../config/config-issue.js'
import type { AggregateSchema } from '../../config/schema/aggregate.js'
import { CALL_NAME_PATTERN } from '../../config/schema/aggregate.js'
import { closest } from '../../config/validate.js'
import { compileSelection, type FieldTree } from './merge.js'
import { compileTemplate, parsePathTemplate, type CompiledTemplate, type ParsedTemplate } from './template.js'

export type AggregateConfig = StaticDecode<typeof AggregateSchema>

export const AGGREGATE_DEFAULTS = { timeoutMs: 10_000, maxBodyBytes: 1024 * 1024, maxDepth: 256 }

/** A problem in an `aggregate:` block; `path` is relative to it (`['calls', 'company', 'path']`). */
export interface PlanProblem {
  readonly path: ConfigPath
  readonly expected: string
  readonly found: string
  /** Point at this key of the map at `path` (an unknown key). */
  readonly keyOf?: string
}

export interface PlannedCall {
  readonly name: string
  /** Its key in the merged answer (after `rename`). */
  readonly key: string
  /** Its position in `AggregatePlan.calls`. */
  readonly index: number
  readonly service: string
  readonly method: string
  readonly path: CompiledTemplate
  readonly optional: boolean
  /** Its own deadline, if set; otherwise the service's timeout. Capped by the aggregate's. */
  readonly timeoutMs: number | undefined
  readonly forwardQuery: boolean
  /** Withheld client headers (authorization, cookie) this call gets. */
  readonly forwardHeaders: readonly string[]
  readonly maxBodyBytes: number
  /** Deepest nesting of arrays and objects accepted in its answer. */
  readonly maxDepth: number
  /** Calls whose answers its path reads (indexes, all earlier in the order). */
  readonly dependsOn: readonly number[]
  /** Calls that read its answer. */
  readonly dependents: readonly number[]
  readonly select: FieldTree | undefined
}

export interface AggregatePlan {
  /** Topological order: every call comes after the calls it depends on (config order otherwise). */
  readonly calls: readonly PlannedCall[]
  /** Indexes into `calls` in config order: the key order of the merged answer. */
  readonly configOrder: readonly number[]
  readonly timeoutMs: number
}

export interface PlanContext {
  /** Params `match.path` captures. */
  readonly params: readonly string[]
  /** Names under `services:`. */
  readonly services: readonly string[]
}

const CALL_NAME = new RegExp(CALL_NAME_PATTERN)

/**
 * Compiles an `aggregate:` block. Returns the plan, or every problem found (and no plan).
 * @example compilePlan(route.aggregate, { params: ['userId'], services: ['users', 'crm'] })
 */
export function compilePlan(config: AggregateConfig, context: PlanContext): { plan: AggregatePlan | undefined; problems: PlanProblem[] } {
  const problems: PlanProblem[] = []
  const names = Object.keys(config.calls)
  const templates = new Map<string, ParsedTemplate>()
  const deps = new Map<string, string[]>()

  for (const name of names) {
    const call = config.calls[name] as AggregateConfig['calls'][string]
    const at: ConfigPath = ['calls', name]
    if (!CALL_NAME.test(name)) problems.push({ path: ['calls'], keyOf: name, expected: 'call names starting with a letter (letters, digits, _ and -)', found: JSON.stringify(name) })
    if (!context.services.includes(call.service)) {
      const suggestion = closest(call.service, context.services)
      problems.push({ path: [...at, 'service'], expected: suggestion ? `a service defined under services (did you mean "${suggestion}"?)` : 'a service defined under services', found: JSON.stringify(call.service) })
    }
    const parsed = parsePathTemplate(call.path)
    if (!parsed.ok) {
      for (const found of parsed.problems) problems.push({ path: [...at, 'path'], expected: 'placeholders like {call.field} or :param', found })
      deps.set(name, [])
      continue
    }
    templates.set(name, parsed.template)
    for (const param of parsed.template.params) {
      if (!context.params.includes(param)) {
        problems.push({ path: [...at, 'path'], expected: `only params captured by match.path (${context.params.map((p) => `:${p}`).join(', ') || 'none'})`, found: `:${param}` })
      }
    }
    const known: string[] = []
    const unknown = new Set<string>()
    for (const part of parsed.template.parts) {
      if (part.kind !== 'field' || known.includes(part.call) || unknown.has(part.call)) continue
      if (names.includes(part.call)) known.push(part.call)
      else {
        unknown.add(part.call)
        const others = names.filter((other) => other !== name)
        const suggestion = closest(part.call, others)
        problems.push({ path: [...at, 'path'], expected: suggestion ? `another call defined under calls (did you mean "${suggestion}"?)` : `another call defined under calls (${others.join(', ') || 'none'})`, found: part.source })
      }
    }
    deps.set(name, known)
  }

  problems.push(...findCycles(names, deps))
  problems.push(...checkKeys(config, names))
  if (problems.length > 0) return { plan: undefined, problems }

  const order = topologicalOrder(names, deps)
  const indexOf = (name: string): number => order.indexOf(name)
  const maxBody = config.maxBodySize ?? AGGREGATE_DEFAULTS.maxBodyBytes
  const maxDepth = config.maxDepth ?? AGGREGATE_DEFAULTS.maxDepth
  const calls = order.map((name, index): PlannedCall => {
    const call = config.calls[name] as AggregateConfig['calls'][string]
    const selected = config.select?.[name]
    return Object.freeze({
      name,
      key: config.rename?.[name] ?? name,
      index,
      service: call.service,
      method: call.method ?? 'GET',
      path: compileTemplate(templates.get(name) as ParsedTemplate, indexOf),
      optional: call.optional ?? false,
      timeoutMs: call.timeout,
      forwardQuery: call.forwardQuery ?? false,
      forwardHeaders: [...(call.forwardHeaders ?? [])],
      maxBodyBytes: call.maxBodySize ?? maxBody,
      maxDepth: call.maxDepth ?? maxDepth,
      dependsOn: (deps.get(name) ?? []).map(indexOf),
      dependents: order.filter((other) => (deps.get(other) ?? []).includes(name)).map(indexOf),
      select: selected === undefined ? undefined : compileSelection(selected),
    })
  })
  return { plan: Object.freeze({ calls, configOrder: names.map(indexOf), timeoutMs: config.timeout ?? AGGREGATE_DEFAULTS.timeoutMs }), problems }
}

/** `aggregate user, orders, company (company after user)`, for `GET /routes` and `validate --explain`. */
export function describePlan(plan: AggregatePlan): string {
  const list = plan.configOrder.map((index) => plan.calls[index]?.name).join(', ')
  const waits = plan.configOrder
    .map((index) => plan.calls[index] as PlannedCall)
    .filter((call) => call.dependsOn.length > 0)
    .map((call) => `${call.name} after ${joinAnd(call.dependsOn.map((index) => plan.calls[index]?.name ?? '?'))}`)
  return `aggregate ${list}${waits.length > 0 ? ` (${waits.join('; ')})` : ''}`
}

function joinAnd(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/** Kahn's algorithm; among the calls that are ready, config order decides. Assumes no cycle. */
function topologicalOrder(names: readonly string[], deps: ReadonlyMap<string, readonly string[]>): string[] {
  const placed: string[] = []
  while (placed.length < names.length) {
    const next = names.find((name) => !placed.includes(name) && (deps.get(name) ?? []).every((dep) => placed.includes(dep)))
    if (next === undefined) break
    placed.push(next)
  }
  return placed
}

/** Each cycle once, reported at the path of its first call in config order: `a → b → a`. */
function findCycles(names: readonly string[], deps: ReadonlyMap<string, readonly string[]>): PlanProblem[] {
  const problems: PlanProblem[] = []
  const done = new Set<string>()
  const reported = new Set<string>()
  const stack: string[] = []
  const visit = (name: string): void => {
    if (done.has(name)) return
    const onStack = stack.indexOf(name)
    if (onStack !== -1) {
      const cycle = stack.slice(onStack)
      if (cycle.some((member) => reported.has(member))) return
      for (const member of cycle) reported.add(member)
      const first = names.find((candidate) => cycle.includes(candidate)) as string
      const start = cycle.indexOf(first)
      const rotated = [...cycle.slice(start), ...cycle.slice(0, start), first]
      problems.push({ path: ['calls', first, 'path'], expected: 'calls that do not wait for each other in a cycle', found: rotated.join(' → ') })
      return
    }
    stack.push(name)
    for (const dep of deps.get(name) ?? []) visit(dep)
    stack.pop()
    done.add(name)
  }
  for (const name of names) visit(name)
  return problems
}

/** `select` and `rename` may only name calls; renamed keys must not collide. */
function checkKeys(config: AggregateConfig, names: readonly string[]): PlanProblem[] {
  const problems: PlanProblem[] = []
  for (const section of ['select', 'rename'] as const) {
    for (const key of Object.keys(config[section] ?? {})) {
      if (names.includes(key)) continue
      const suggestion = closest(key, names)
      problems.push({ path: [section], keyOf: key, expected: suggestion ? `a call defined under calls (did you mean "${suggestion}"?)` : `a call defined under calls (${names.join(', ')})`, found: `unknown call "${key}"` })
    }
  }
  const byKey = new Map<string, string[]>()
  for (const name of names) {
    const key = config.rename?.[name] ?? name
    byKey.set(key, [...(byKey.get(key) ?? []), name])
  }
  for (const [key, owners] of byKey) {
    if (owners.length < 2) continue
    for (const name of owners) {
      if (config.rename?.[name] === undefined) continue
      problems.push({ path: ['rename', name], expected: 'a key no other call has', found: `"${key}" (also the key of call ${owners.find((other) => other !== name)})` })
    }
  }
  return problems
}
