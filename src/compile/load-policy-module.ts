// Loads a user policy module (`- module: ./policies/tenant.js`) and checks it is a policy
// definition: its default export (or `policy` export) made with `definePolicy`.
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { ConfigError } from '../config/config-issue.js'
import type { PolicyLocation } from '../config/resolve.js'
import type { PolicyDefinition } from '../pipeline/policy.js'
import { STAGES } from '../pipeline/stages.js'
import { formatPath } from '../config/config-issue.js'

export async function loadPolicyModule(modulePath: string, baseDir: string, location: PolicyLocation): Promise<PolicyDefinition> {
  const file = resolve(baseDir, modulePath)
  const fail = (found: string): ConfigError =>
    new ConfigError([{ file: location.file, line: location.line, column: location.column, path: formatPath([...location.path, 'module']), expected: 'a module whose default export is a policy made with definePolicy()', found }])
  let loaded: Record<string, unknown>
  try {
    loaded = (await import(pathToFileURL(file).href)) as Record<string, unknown>
  } catch (error) {
    throw fail(`${file} could not be loaded: ${(error as Error).message}`)
  }
  const candidate = (loaded.default ?? loaded.policy) as Partial<PolicyDefinition> | undefined
  if (
    candidate === undefined ||
    typeof candidate.name !== 'string' ||
    typeof candidate.create !== 'function' ||
    typeof candidate.options !== 'object' ||
    !(STAGES as readonly string[]).includes(candidate.stage as string)
  ) {
    throw fail(`${file} exports no policy definition (name, stage, options, create)`)
  }
  return candidate as PolicyDefinition
}
