// `npm run docs`: writes docs/config-reference.md from the schemas themselves, so the reference
// cannot drift from what the validator accepts. It walks the TypeBox schema of the config (a plain
// JSON Schema object at runtime) and the options schema of every built-in policy.
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { GatewayConfigSchema } from '../src/config/schema/root.js'
import { STAGES } from '../src/pipeline/stages.js'
import { BUILTIN_POLICIES } from '../src/policies/index.js'

interface JsonSchema {
  type?: string
  description?: string
  'x-expected'?: string
  properties?: Record<string, JsonSchema>
  patternProperties?: Record<string, JsonSchema>
  required?: string[]
  items?: JsonSchema
  anyOf?: JsonSchema[]
  enum?: unknown[]
  const?: unknown
  minimum?: number
  maximum?: number
}

interface Row {
  path: string
  type: string
  default: string
  description: string
}

const OUT = resolve(import.meta.dirname, '../docs/config-reference.md')

/** What a map key stands for, by the name of the map. */
const PLACEHOLDERS: Record<string, string> = { services: '<name>', headers: '<header>', set: '<header>', add: '<header>', query: '<param>', calls: '<call>', select: '<call>', rename: '<call>' }

/** "…; default 10s (then 408)." → "10s"; "`auto` (one per core, the default)" → "auto". */
function defaultOf(description = ''): string {
  const stated = /\bdefaults?(?: to|:)?\s+(.+?)(?:\s+\(|;|\.\s|\.$|$)/i.exec(description)
  const marked = /`([^`]+)` \([^)]*\bthe default\)/.exec(description)
  const value = (stated?.[1] ?? marked?.[1] ?? '').replace(/^"(.*)"$/, '$1')
  // A single word or value reads as code; a phrase ("any 2xx or 3xx") stays prose.
  return /^[^\s`]+$/.test(value) ? `\`${value}\`` : value
}

/** A short human type: the schema's own `x-expected` phrase when it has one, else built from the shape. */
function typeOf(schema: JsonSchema): string {
  if (schema['x-expected'] !== undefined && schema.type !== 'object') return schema['x-expected']
  if (schema.enum) return schema.enum.map((value) => `\`${String(value)}\``).join(', ')
  if ('const' in schema) return `\`${JSON.stringify(schema.const)}\``
  if (schema.anyOf) {
    const [first, ...rest] = [...new Set(schema.anyOf.map(typeOf))]
    // `OneOrMany`: a value, or a list of such values.
    if (rest.length === 1 && rest[0] === `list of ${first}`) return `${first}, or a list of them`
    return [first, ...rest].join(' or ')
  }
  if (schema.type === 'array') return `list of ${schema.items ? typeOf(schema.items) : 'values'}`
  if (schema.patternProperties) return `map of ${typeOf(Object.values(schema.patternProperties)[0] ?? {})}`
  if (schema.type === 'integer' || schema.type === 'number') {
    const { minimum: min, maximum: max } = schema
    if (min !== undefined && max !== undefined) return `${schema.type} ${min}–${max}`
    return min !== undefined ? `${schema.type} ≥ ${min}` : schema.type
  }
  return schema.type ?? 'any'
}

/** One row for `schema` at `path`, then rows for everything below it. */
function visit(schema: JsonSchema, path: string, required: boolean, rows: Row[]): void {
  // Policy lists are one-key maps checked against each policy's own schema: see the Policies section.
  const type = /(^|\.)policies$/.test(path) ? 'list of policy entries (see [Policies](#policies))' : typeOf(schema)
  rows.push({ path, type, default: required ? 'required' : defaultOf(schema.description), description: schema.description ?? '' })
  descend(schema, path, rows)
}

function descend(schema: JsonSchema, path: string, rows: Row[]): void {
  if (/(^|\.)policies$/.test(path)) return
  for (const [key, child] of Object.entries(schema.properties ?? {})) {
    visit(child, path === '' ? key : `${path}.${key}`, schema.required?.includes(key) ?? false, rows)
  }
  const mapValue = Object.values(schema.patternProperties ?? {})[0]
  if (mapValue !== undefined) descend(mapValue, `${path}.${PLACEHOLDERS[path.split('.').pop() ?? ''] ?? '<key>'}`, rows)
  if (schema.items !== undefined) descend(schema.items, `${path}[]`, rows)
  for (const branch of schema.anyOf ?? []) descend(branch, path, rows)
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ')

function table(rows: readonly Row[]): string {
  const lines = ['| Key | Type | Default | Description |', '| --- | --- | --- | --- |']
  for (const row of rows) lines.push(`| \`${row.path}\` | ${cell(row.type)} | ${cell(row.default)} | ${cell(row.description)} |`)
  return lines.join('\n')
}

function configSections(): string[] {
  const root = GatewayConfigSchema as unknown as JsonSchema
  return Object.entries(root.properties ?? {}).map(([key, schema]) => {
    const rows: Row[] = []
    visit(schema, key, root.required?.includes(key) ?? false, rows)
    return `## \`${key}\`\n\n${table(rows)}\n`
  })
}

function policySections(): string[] {
  return BUILTIN_POLICIES.map((definition) => {
    const options = definition.options as unknown as JsonSchema
    const rows: Row[] = []
    descend(options, definition.name, rows)
    const note = options['x-expected'] ? ` Options: ${options['x-expected']}.` : ''
    return `### \`${definition.name}\`\n\nStage: \`${definition.stage}\`.${note}\n\n${table(rows)}\n`
  })
}

const page = `# Configuration reference

<!-- Generated by scripts/gen-config-reference.ts (npm run docs) from the config and policy schemas. Do not edit by hand. -->

Every key Portico's config accepts. Unknown keys are errors. \`portico schema\` prints the same
schema as JSON Schema, and \`portico validate\` checks a file against it.

- **Durations** are written \`250ms\`, \`10s\`, \`1m30s\` (units \`ms\`, \`s\`, \`m\`, \`h\`, \`d\`).
- **Sizes** are a number of bytes or a string like \`16kb\` or \`10MiB\` (binary multiples).
- **Paths**: \`[]\` is any item of a list; \`<name>\`, \`<header>\`, \`<param>\` stand for a key you choose.
- Any value may use \`\${VAR}\` or \`\${VAR:-default}\` to read an environment variable.

${configSections().join('\n')}
## Policies

A policy list (top-level \`policies:\` or a route's) holds one-key entries:
\`- <policyName>: { options }\`, or \`- module: ./file.js\` with \`options:\` for a custom policy.
A route entry replaces the global entry of the same name; \`<policyName>: false\` drops it on that
route. Policies run in stage order (${STAGES.map((stage) => `\`${stage}\``).join(', ')}), in config order
within a stage. The built-in policies:

${policySections().join('\n')}`

mkdirSync(dirname(OUT), { recursive: true })
writeFileSync(OUT, page)
console.log(`wrote ${OUT}`)
