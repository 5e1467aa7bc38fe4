// Checks a value against a TypeBox schema and turns the raw JSON Schema errors into a few precise,
// located ConfigIssues: union noise is collapsed to the branch the value meant, unknown keys get a
// "did you mean", and each schema's `x-expected` phrase replaces generic wording.
import type { TSchema } from 'typebox'
import { Settings } from 'typebox/system'
import { describeValue, type ConfigIssue, type ConfigPath } from './config-issue.js'

// TypeBox stops after 8 errors by default; a config check must list every problem at once.
Settings.Set({ maxErrors: 1000 })

/** The part of a compiled TypeBox validator that config checking uses. */
export interface SchemaValidator {
  Check(value: unknown): boolean
  Errors(value: unknown): readonly object[]
  Decode(value: unknown): unknown
  Type(): TSchema
}

/** Makes a located issue for a key path (the SourceDocument's `issue`, or a fixed location). */
export type IssueFactory = (path: ConfigPath, expected: string, found: string, keyOf?: string) => ConfigIssue

interface SchemaError {
  keyword: string
  schemaPath: string
  instancePath: string
  params: Record<string, unknown>
  message: string
}

type JsonSchema = Record<string, unknown>

/** Validates `value` (found at `basePath` in the document) and returns located issues. */
export function checkSchema(
  validator: SchemaValidator,
  value: unknown,
  issueAt: IssueFactory,
  basePath: ConfigPath = [],
): ConfigIssue[] {
  if (validator.Check(value)) return []
  const schema = validator.Type() as unknown as JsonSchema
  const errors = collapseUnions([...validator.Errors(value)] as unknown as SchemaError[], schema, value)
  const issues: ConfigIssue[] = []
  const seen = new Set<string>()
  for (const error of errors) {
    for (const issue of toIssues(error, schema, value, issueAt, basePath)) {
      const key = `${issue.path}\u0000${issue.expected}`
      if (seen.has(key)) continue
      seen.add(key)
      issues.push(issue)
    }
  }
  return issues
}

/** Keeps, for each failed union, only the errors of the branch whose type fits the value. */
function collapseUnions(errors: SchemaError[], schema: JsonSchema, root: unknown): SchemaError[] {
  const unions = errors.filter((e) => e.keyword === 'anyOf').sort((a, b) => a.schemaPath.length - b.schemaPath.length)
  let kept = errors
  for (const union of unions) {
    if (!kept.includes(union)) continue
    const unionSchema = schemaAt(schema, union.schemaPath)
    const branches = Array.isArray(unionSchema?.anyOf) ? (unionSchema.anyOf as JsonSchema[]) : []
    const value = valueAt(root, union.instancePath)
    const fitting = branches.flatMap((branch, index) => (typeFits(branch, value) ? [index] : []))
    const prefix = `${union.schemaPath}/anyOf/`
    if (fitting.length === 1) {
      const keep = `${prefix}${fitting[0]}`
      kept = kept.filter((e) => e !== union && (!e.schemaPath.startsWith(prefix) || e.schemaPath === keep || e.schemaPath.startsWith(`${keep}/`)))
    } else {
      kept = kept.filter((e) => !e.schemaPath.startsWith(prefix))
    }
  }
  return kept
}

function typeFits(branch: JsonSchema, value: unknown): boolean {
  if ('const' in branch) return typeof branch.const === typeof value
  if (Array.isArray(branch.enum)) return typeof value === 'string'
  switch (branch.type) {
    case 'string': return typeof value === 'string'
    case 'integer': case 'number': return typeof value === 'number'
    case 'boolean': return typeof value === 'boolean'
    case 'array': return Array.isArray(value)
    case 'object': return typeof value === 'object' && value !== null && !Array.isArray(value)
    default: return Array.isArray(branch.anyOf) && (branch.anyOf as JsonSchema[]).some((b) => typeFits(b, value))
  }
}

function toIssues(error: SchemaError, schema: JsonSchema, root: unknown, issueAt: IssueFactory, basePath: ConfigPath): ConfigIssue[] {
  const path = [...basePath, ...pointerSegments(error.instancePath, root)]
  const value = valueAt(root, error.instancePath)
  const at = schemaAt(schema, error.schemaPath)
  const phrase = typeof at?.['x-expected'] === 'string' ? (at['x-expected'] as string) : undefined
  switch (error.keyword) {
    case 'boolean':
      return [] // "schema is false" for an unknown key; reported once by additionalProperties.
    case 'additionalProperties': {
      const unknownKeys = (error.params.additionalProperties as string[] | undefined) ?? []
      const properties = at?.properties && typeof at.properties === 'object' ? Object.keys(at.properties) : []
      return unknownKeys.map((key) => {
        if (at?.patternProperties) {
          return issueAt(path, `a name of letters, digits, "_", "." or "-"`, JSON.stringify(key), key)
        }
        const suggestion = closest(key, properties)
        const expected = suggestion ? `a known key (did you mean "${suggestion}"?)` : `one of the keys ${properties.join(', ')}`
        return issueAt(path, expected, `unknown key "${key}"`, key)
      })
    }
    case 'required': {
      const missing = (error.params.requiredProperties as string[] | undefined) ?? []
      return missing.map((key) => issueAt([...path, key], `required key "${key}"`, 'it missing'))
    }
    default:
      return [issueAt(path, phrase ?? describeExpectation(error), describeValue(value))]
  }
}

function describeExpectation(error: SchemaError): string {
  const p = error.params
  switch (error.keyword) {
    case 'type': return articled(String(p.type))
    case 'enum': return `one of ${(p.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}`
    case 'const': return JSON.stringify(p.allowedValue)
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `a number ${String(p.comparison)} ${String(p.limit)}`
    case 'minItems': return `at least ${String(p.limit)} item(s)`
    case 'maxItems': return `at most ${String(p.limit)} item(s)`
    case 'minLength': return p.limit === 1 ? 'a non-empty string' : `at least ${String(p.limit)} characters`
    case 'maxLength': return `at most ${String(p.limit)} characters`
    case 'pattern': return `text matching /${String(p.pattern)}/`
    case 'minProperties': return `at least ${String(p.limit)} key(s)`
    case 'anyOf': return 'one of the allowed forms'
    default: return error.message.replace(/^must (be |have |match )?/, '')
  }
}

function articled(type: string): string {
  const names: Record<string, string> = { string: 'a string', integer: 'an integer', number: 'a number', boolean: 'true or false', array: 'a list', object: 'a mapping', null: 'null' }
  return names[type] ?? type
}

/** JSON pointer → path segments, with array indexes as numbers. */
function pointerSegments(pointer: string, root: unknown): Array<string | number> {
  if (pointer === '') return []
  const segments: Array<string | number> = []
  let node: unknown = root
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~')
    if (Array.isArray(node)) {
      segments.push(Number(key))
      node = node[Number(key)]
    } else {
      segments.push(key)
      node = node && typeof node === 'object' ? (node as Record<string, unknown>)[key] : undefined
    }
  }
  return segments
}

function valueAt(root: unknown, pointer: string): unknown {
  let node = root
  for (const segment of pointerSegments(pointer, root)) {
    if (node === null || typeof node !== 'object') return undefined
    node = (node as Record<string | number, unknown>)[segment]
  }
  return node
}

/** Resolves a `#/properties/a/patternProperties/^x/...` schema path; pattern keys may contain "/". */
function schemaAt(schema: JsonSchema, schemaPath: string): JsonSchema | undefined {
  const parts = schemaPath
    .replace(/^#\/?/, '')
    .split('/')
    .filter((p) => p !== '')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
  let node: unknown = schema
  for (let i = 0; i < parts.length; i++) {
    if (node === null || typeof node !== 'object') return undefined
    let key = parts[i] as string
    while (!(key in (node as object)) && i + 1 < parts.length) key += `/${parts[++i]}`
    node = (node as Record<string, unknown>)[key]
  }
  return node && typeof node === 'object' ? (node as JsonSchema) : undefined
}

/** The known key nearest to a typo, if it is close enough to be what was meant. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined
  let bestDistance = Math.max(2, Math.floor(word.length / 3)) + 1
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase())
    if (distance < bestDistance) {
      best = candidate
      bestDistance = distance
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0] as number
    row[0] = i
    for (let j = 1; j <= b.length; j++) {
      const current = row[j] as number
      row[j] = Math.min((row[j] as number) + 1, (row[j - 1] as number) + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1))
      previous = current
    }
  }
  return row[b.length] as number
}
