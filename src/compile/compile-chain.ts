// Builds each route's policy chain at config load: global entries, replaced by a route entry of
// the same name (or dropped by `name: false`), then ordered by stage (stable, so the config order
// holds within a stage). Nothing of this is decided per request.
import { Compile } from 'typebox/compile'
import { ConfigError, formatPath, type ConfigIssue } from '../config/config-issue.js'
import type { PolicyLocation, PolicyRef } from '../config/resolve.js'
import { checkSchema } from '../config/validate.js'
import { createChain, type CompiledChain } from '../pipeline/compiled-route.js'
import type { Policy, PolicyDefinition, PolicyEnv } from '../pipeline/policy.js'
import { stageIndex } from '../pipeline/stages.js'
import type { PolicyRegistry } from '../policies/index.js'
import { loadPolicyModule } from './load-policy-module.js'

/** A created policy with what ordering and `--explain` need. */
export interface ChainEntry {
  readonly name: string
  readonly stage: number
  readonly policy: Policy
}

export type EnvFor = (location: PolicyLocation, routeName: string | undefined) => PolicyEnv

/**
 * Creates the policies of one list (global, or one route's). An entry that cannot be created
 * adds its issues to `issues` and is skipped, so one pass reports every failing entry.
 */
export async function createEntries(refs: readonly PolicyRef[], registry: PolicyRegistry, envFor: EnvFor, routeName: string | undefined, baseDir: string, issues: ConfigIssue[]): Promise<Array<ChainEntry | { name: string; disabled: true }>> {
  const entries: Array<ChainEntry | { name: string; disabled: true }> = []
  for (const ref of refs) {
    if (ref.options === false) {
      entries.push({ name: ref.name, disabled: true })
      continue
    }
    try {
      const definition = ref.module !== undefined ? await loadPolicyModule(ref.module, baseDir, ref.location) : (registry.definition(ref.name) as PolicyDefinition)
      const options = ref.module !== undefined ? checkModuleOptions(definition, ref) : ref.options
      const policy = await createPolicy(definition, options, envFor(ref.location, routeName), ref)
      entries.push({ name: ref.module !== undefined ? definition.name : ref.name, stage: stageIndex(definition.stage), policy })
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error
      issues.push(...error.issues)
    }
  }
  return entries
}

/** Runs a policy's factory; a factory that throws (bad CIDR, unreadable key...) is a config error at its entry. */
async function createPolicy(definition: PolicyDefinition, options: unknown, env: PolicyEnv, ref: PolicyRef): Promise<Policy> {
  try {
    return await definition.create(options as never, env)
  } catch (error) {
    if (error instanceof ConfigError) throw error
    const location = ref.location
    throw new ConfigError([{ file: location.file, line: location.line, column: location.column, path: formatPath([...location.path, ref.module ?? ref.name]), expected: `valid ${definition.name} options`, found: (error as Error).message }])
  }
}

/** Merges global entries with a route's, then orders them by stage. */
export function mergeChain(global: readonly ChainEntry[], route: ReadonlyArray<ChainEntry | { name: string; disabled: true }>): CompiledChain {
  const overridden = new Set(route.map((entry) => entry.name))
  const merged: ChainEntry[] = []
  for (const entry of global) {
    if (!overridden.has(entry.name)) merged.push(entry)
    else if (!merged.some((m) => m.name === entry.name)) {
      for (const own of route) if (own.name === entry.name && !('disabled' in own)) merged.push(own)
    }
  }
  for (const own of route) {
    if ('disabled' in own) continue
    if (!merged.includes(own)) merged.push(own)
  }
  const ordered = merged.map((entry, position) => ({ entry, position })).sort((a, b) => a.entry.stage - b.entry.stage || a.position - b.position)
  return createChain(
    ordered.map((o) => o.entry.policy),
    ordered.map((o) => o.entry.name),
  )
}

function checkModuleOptions(definition: PolicyDefinition, ref: PolicyRef): unknown {
  const validator = Compile(definition.options)
  const location = ref.location
  const issues: ConfigIssue[] = checkSchema(validator, ref.options, (path, expected, found, keyOf) => ({
    file: location.file,
    line: location.line,
    column: location.column,
    path: formatPath(keyOf === undefined ? path : [...path, keyOf]),
    expected,
    found,
  }), [...location.path, 'options'])
  if (issues.length > 0) throw new ConfigError(issues)
  return validator.Decode(ref.options)
}
