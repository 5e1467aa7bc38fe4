// The checks a schema cannot express: cross references (a route's service exists), uniqueness,
// one action per route, path and regex syntax, and each policy entry against its own schema.
import { compilePlan } from '../actions/aggregate/plan.js'
import { checkPathPattern } from '../routing/path-pattern.js'
import { parseCidr } from '../exchange/cidr-set.js'
import type { ConfigIssue, ConfigPath } from './config-issue.js'
import { describeValue } from './config-issue.js'
import type { SourceDocument } from './parse-yaml.js'
import type { GatewayConfig, RouteConfig } from './schema/root.js'
import { checkSchema, closest, type SchemaValidator } from './validate.js'

/** What config validation needs to know about policies: their names and option schemas. */
export interface PolicyCatalog {
  validator(name: string): SchemaValidator | undefined
  names(): readonly string[]
}

/** A policy entry after validation: built-in by name, or a user module by resolved path. */
export interface PolicyRef {
  readonly name: string
  /** `false` removes an inherited global entry of the same name from this route. */
  readonly options: unknown
  readonly module?: string
  /** Where the entry is written, for errors raised when the policy is created. */
  readonly location: PolicyLocation
}

export interface PolicyLocation {
  readonly file: string
  readonly line: number
  readonly column: number
  readonly path: ConfigPath
}

/** The route actions; exactly one per route. Later features add their key here. */
export const ROUTE_ACTIONS = ['service', 'redirect', 'respond', 'static', 'aggregate'] as const satisfies ReadonlyArray<keyof RouteConfig>

export function resolveConfig(config: GatewayConfig, source: SourceDocument, catalog: PolicyCatalog): { issues: ConfigIssue[]; policies: Map<string, PolicyRef[]> } {
  const issues: ConfigIssue[] = []
  const policies = new Map<string, PolicyRef[]>()
  const services = config.services ?? {}

  for (const [name, service] of Object.entries(services)) {
    if (service.balance === 'header-hash' && service.hashHeader === undefined) {
      issues.push(source.issue(['services', name], 'hashHeader to be set when balance is header-hash', 'no hashHeader', 'balance'))
    }
  }

  config.server?.trustedProxies?.forEach((entry, index) => {
    if (parseCidr(entry) === undefined) issues.push(source.issue(['server', 'trustedProxies', index], 'an IP address or CIDR range like 10.0.0.0/8', JSON.stringify(entry)))
  })

  issues.push(...checkConsumers(config, source))

  const routeNames = new Map<string, number>()
  config.routes.forEach((route, index) => {
    const at: ConfigPath = ['routes', index]
    if (route.name !== undefined) {
      const first = routeNames.get(route.name)
      if (first !== undefined) issues.push(source.issue([...at, 'name'], `a unique route name (routes[${first}] is already "${route.name}")`, JSON.stringify(route.name)))
      else routeNames.set(route.name, index)
    }
    const actions = ROUTE_ACTIONS.filter((key) => route[key] !== undefined)
    if (actions.length !== 1) {
      issues.push(source.issue(at, `exactly one action: ${ROUTE_ACTIONS.join(', ')}`, actions.length === 0 ? 'none' : actions.join(' and ')))
    }
    if (route.service !== undefined && !(route.service in services)) {
      const suggestion = closest(route.service, Object.keys(services))
      issues.push(source.issue([...at, 'service'], suggestion ? `a service defined under services (did you mean "${suggestion}"?)` : 'a service defined under services', JSON.stringify(route.service)))
    }
    issues.push(...checkMatch(route, at, source))
    if (route.rewrite !== undefined && route.service === undefined) {
      issues.push(source.issue([...at, 'rewrite'], 'rewrite only on a route with a service', 'rewrite without service'))
    }
    if (route.rewrite?.path !== undefined) issues.push(...checkTemplateParams(route.rewrite.path, route, [...at, 'rewrite', 'path'], source))
    if (route.redirect !== undefined) issues.push(...checkTemplateParams(route.redirect.to, route, [...at, 'redirect', 'to'], source))
    if (route.aggregate !== undefined) {
      const params = (route.match.path ?? '').split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1))
      for (const problem of compilePlan(route.aggregate, { params, services: Object.keys(services) }).problems) {
        issues.push(source.issue([...at, 'aggregate', ...problem.path], problem.expected, problem.found, problem.keyOf))
      }
    }
    if (route.policies) policies.set(`route:${index}`, resolvePolicies(route.policies, [...at, 'policies'], source, catalog, issues))
  })
  if (config.policies) policies.set('global', resolvePolicies(config.policies, ['policies'], source, catalog, issues))
  return { issues, policies }
}

/** Consumer names, API keys and user names must be unique: a credential identifies one consumer. */
function checkConsumers(config: GatewayConfig, source: SourceDocument): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  const names = new Map<string, number>()
  const keys = new Map<string, string>()
  const users = new Map<string, string>()
  config.consumers?.forEach((consumer, index) => {
    const at: ConfigPath = ['consumers', index]
    const first = names.get(consumer.name)
    if (first !== undefined) issues.push(source.issue([...at, 'name'], `a unique consumer name (consumers[${first}] is already "${consumer.name}")`, JSON.stringify(consumer.name)))
    names.set(consumer.name, index)
    consumer.apiKeys?.forEach((key, keyIndex) => {
      const digest = key.startsWith('sha256:') ? key.slice(7).toLowerCase() : key
      if (key.startsWith('sha256:') && !/^[0-9a-f]{64}$/.test(digest)) issues.push(source.issue([...at, 'apiKeys', keyIndex], 'sha256: followed by 64 hex digits', 'a malformed hash'))
      const owner = keys.get(digest)
      if (owner !== undefined) issues.push(source.issue([...at, 'apiKeys', keyIndex], `a key no other consumer has (${owner} has it)`, 'a duplicate key'))
      keys.set(digest, consumer.name)
    })
    const user = consumer.basicAuth?.username
    if (user !== undefined) {
      const owner = users.get(user)
      if (owner !== undefined) issues.push(source.issue([...at, 'basicAuth', 'username'], `a user name no other consumer has (${owner} has it)`, JSON.stringify(user)))
      users.set(user, consumer.name)
    }
  })
  return issues
}

function checkMatch(route: RouteConfig, at: ConfigPath, source: SourceDocument): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  if (route.match.path !== undefined) {
    const problem = checkPathPattern(route.match.path)
    if (problem) issues.push(source.issue([...at, 'match', 'path'], problem, JSON.stringify(route.match.path)))
  }
  for (const kind of ['headers', 'query'] as const) {
    for (const [name, condition] of Object.entries(route.match[kind] ?? {})) {
      if (typeof condition === 'object' && 'regex' in condition) {
        try {
          new RegExp(condition.regex)
        } catch (error) {
          issues.push(source.issue([...at, 'match', kind, name, 'regex'], 'a valid regular expression', `${JSON.stringify(condition.regex)} (${(error as Error).message})`))
        }
      }
    }
  }
  return issues
}

/** `:name` placeholders in a rewrite or redirect must be params the match path captures. */
function checkTemplateParams(template: string, route: RouteConfig, path: ConfigPath, source: SourceDocument): ConfigIssue[] {
  const captured = new Set((route.match.path ?? '').split('/').filter((s) => s.startsWith(':')).map((s) => s.slice(1)))
  const issues: ConfigIssue[] = []
  const pathPart = template.replace(/^[a-z]+:\/\/[^/]*/i, '').split('?')[0] ?? ''
  for (const segment of pathPart.split('/')) {
    if (segment.startsWith(':') && !captured.has(segment.slice(1))) {
      issues.push(source.issue(path, `only params captured by match.path (${[...captured].map((n) => `:${n}`).join(', ') || 'none'})`, segment))
    }
    if (segment === '*' && !(route.match.path ?? '').endsWith('/*')) {
      issues.push(source.issue(path, 'a * only when match.path ends in /*', '*'))
    }
  }
  return issues
}

function resolvePolicies(entries: readonly Record<string, unknown>[], at: ConfigPath, source: SourceDocument, catalog: PolicyCatalog, issues: ConfigIssue[]): PolicyRef[] {
  const refs: PolicyRef[] = []
  entries.forEach((entry, index) => {
    const path = [...at, index]
    const position = source.locate(path)
    const location: PolicyLocation = { file: source.file, line: position.line, column: position.column, path }
    const keys = Object.keys(entry)
    if (keys.includes('module')) {
      const extra = keys.filter((k) => k !== 'module' && k !== 'options')
      if (typeof entry.module !== 'string' || entry.module === '') issues.push(source.issue([...path, 'module'], 'a path to a policy module', describeValue(entry.module)))
      else if (extra.length > 0) issues.push(source.issue(path, 'only the keys module and options', `unknown key "${extra[0]}"`, extra[0]))
      else refs.push({ name: `module:${entry.module}`, module: entry.module, options: entry.options ?? {}, location })
      return
    }
    if (keys.length !== 1) {
      issues.push(source.issue(path, 'exactly one policy name per entry', keys.length === 0 ? 'none' : keys.join(', ')))
      return
    }
    const name = keys[0] as string
    const validator = catalog.validator(name)
    if (!validator) {
      const suggestion = closest(name, catalog.names())
      issues.push(source.issue(path, suggestion ? `a known policy (did you mean "${suggestion}"?)` : `a known policy: ${catalog.names().join(', ')}`, `unknown policy "${name}"`, name))
      return
    }
    const options = entry[name]
    if (options === false) {
      refs.push({ name, options: false, location })
      return
    }
    const given = options === null ? {} : options
    const found = checkSchema(validator, given, source.issue.bind(source), [...path, name])
    if (found.length > 0) issues.push(...found)
    else refs.push({ name, options: validator.Decode(given), location })
  })
  return refs
}
