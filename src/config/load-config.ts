// Config text → a validated, decoded GatewayConfig, or every issue found. Pure: no sockets, no
// runtime; the same function serves `portico validate`, startup, reload and the admin API.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { dirname, resolve as resolvePath } from 'node:path'
import { Compile } from 'typebox/compile'
import { ConfigError, type ConfigIssue } from './config-issue.js'
import { parseYaml } from './parse-yaml.js'
import { resolveConfig, type PolicyCatalog, type PolicyRef } from './resolve.js'
import { GatewayConfigSchema, type GatewayConfig } from './schema/root.js'
import { substituteEnv } from './substitute-env.js'
import { checkSchema, type SchemaValidator } from './validate.js'

/** A config ready to compile: the decoded document plus where it came from. */
export interface LoadedConfig {
  readonly config: GatewayConfig
  /** Policy entries by owner: `global`, or `route:<index>`. */
  readonly policies: ReadonlyMap<string, readonly PolicyRef[]>
  readonly file: string
  /** Relative paths in the config (policy modules, certificates, static roots) resolve from here. */
  readonly baseDir: string
  /** sha256 of the text, so an unchanged file is not reloaded. */
  readonly hash: string
  readonly text: string
}

export interface LoadOptions {
  readonly env?: NodeJS.ProcessEnv
  readonly policies: PolicyCatalog
  /** Base directory for relative paths when the text has no file (defaults to the cwd). */
  readonly baseDir?: string
}

export type LoadResult = { ok: true; loaded: LoadedConfig } | { ok: false; issues: ConfigIssue[] }

let rootValidator: SchemaValidator | undefined

/** Validates and decodes config text. Never throws for bad input: issues are returned. */
export function loadConfigText(text: string, file: string, options: LoadOptions): LoadResult {
  const { source, issues } = parseYaml(text, file)
  if (issues.length > 0) return { ok: false, issues }
  const envIssues = substituteEnv(source, options.env ?? process.env)
  if (envIssues.length > 0) return { ok: false, issues: envIssues }
  const value: unknown = source.document.toJS({ maxAliasCount: 100 })
  const validator = (rootValidator ??= Compile(GatewayConfigSchema))
  const schemaIssues = checkSchema(validator, value, source.issue.bind(source))
  if (schemaIssues.length > 0) return { ok: false, issues: schemaIssues }
  const config = validator.Decode(value) as GatewayConfig
  const resolved = resolveConfig(config, source, options.policies)
  if (resolved.issues.length > 0) return { ok: false, issues: resolved.issues }
  const baseDir = options.baseDir ?? (file.startsWith('<') ? process.cwd() : dirname(resolvePath(file)))
  const hash = createHash('sha256').update(text).digest('hex')
  return { ok: true, loaded: { config, policies: resolved.policies, file, baseDir, hash, text } }
}

/** Reads and validates a config file; throws ConfigError with every issue when it is unusable. */
export async function loadConfigFile(file: string, options: LoadOptions): Promise<LoadedConfig> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message
    throw new ConfigError([{ file, line: 0, column: 0, path: '(file)', expected: 'a readable config file', found: reason }])
  }
  const result = loadConfigText(text, file, options)
  if (!result.ok) throw new ConfigError(result.issues)
  return result.loaded
}
