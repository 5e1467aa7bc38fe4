// Path templates of aggregate calls: `/users/:userId` inserts a route param, `/companies/{user.companyId}`
// a field of another call's JSON answer. Parsed once at config load; rendering is a walk over
// the parts. Pure (no runtime imports): config validation uses the parser too.

/** One piece of a parsed template. */
export type TemplatePart =
  | { readonly kind: 'text'; readonly text: string }
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'field'; readonly call: string; readonly field: readonly string[]; readonly source: string }

export interface ParsedTemplate {
  readonly source: string
  readonly parts: readonly TemplatePart[]
  /** Route params the template inserts, in order of first use. */
  readonly params: readonly string[]
  /** Calls whose answers the template reads, in order of first use. */
  readonly calls: readonly string[]
}

export type ParseResult = { readonly ok: true; readonly template: ParsedTemplate } | { readonly ok: false; readonly problems: readonly string[] }

const CALL_NAME = /^[A-Za-z][A-Za-z0-9_-]*$/
const FIELD_SEGMENT = /^[^.{}\s]+$/
const PARAM_NAME = /^[A-Za-z_][A-Za-z0-9_]*/

/**
 * Parses a call path. `:name` is a param only where a segment or a query value starts (after `/`
 * or `=`), so `/v1/things:batch` stays literal. Problems are returned as the offending text.
 * @example parsePathTemplate('/orders?user=:userId') // parts: text, param userId
 */
export function parsePathTemplate(source: string): ParseResult {
  const parts: TemplatePart[] = []
  const problems: string[] = []
  const params: string[] = []
  const calls: string[] = []
  let text = ''
  let i = 0
  while (i < source.length) {
    const char = source[i] as string
    if (char === '{') {
      const end = source.indexOf('}', i + 1)
      const nextOpen = source.indexOf('{', i + 1)
      if (end === -1 || (nextOpen !== -1 && nextOpen < end)) {
        problems.push(`an unclosed { in ${JSON.stringify(source)}`)
        break
      }
      const inner = source.slice(i + 1, end)
      const segments = inner.split('.')
      const [call, ...field] = segments
      if (call === undefined || !CALL_NAME.test(call) || field.length === 0 || !field.every((s) => FIELD_SEGMENT.test(s))) {
        problems.push(`{${inner}}`)
      } else {
        if (text !== '') parts.push({ kind: 'text', text })
        text = ''
        parts.push({ kind: 'field', call, field, source: `{${inner}}` })
        if (!calls.includes(call)) calls.push(call)
      }
      i = end + 1
      continue
    }
    if (char === '}') {
      problems.push(`a } without { in ${JSON.stringify(source)}`)
      i++
      continue
    }
    if (char === ':' && (source[i - 1] === '/' || source[i - 1] === '=')) {
      const name = PARAM_NAME.exec(source.slice(i + 1))?.[0]
      if (name !== undefined) {
        if (text !== '') parts.push({ kind: 'text', text })
        text = ''
        parts.push({ kind: 'param', name })
        if (!params.includes(name)) params.push(name)
        i += 1 + name.length
        continue
      }
    }
    text += char
    i++
  }
  if (problems.length > 0) return { ok: false, problems }
  if (text !== '') parts.push({ kind: 'text', text })
  return { ok: true, template: { source, parts, params, calls } }
}

/** A template whose call names are resolved to positions in the plan's result list. */
export interface CompiledTemplate {
  readonly source: string
  readonly parts: ReadonlyArray<
    | { readonly kind: 'text'; readonly text: string }
    | { readonly kind: 'param'; readonly name: string }
    | { readonly kind: 'field'; readonly index: number; readonly field: readonly string[]; readonly source: string }
  >
}

export function compileTemplate(template: ParsedTemplate, indexOf: (call: string) => number): CompiledTemplate {
  return {
    source: template.source,
    parts: template.parts.map((part) => (part.kind === 'field' ? { kind: 'field', index: indexOf(part.call), field: part.field, source: part.source } : part)),
  }
}

export type RenderResult = { readonly ok: true; readonly path: string } | { readonly ok: false; readonly problem: string }

/**
 * Fills a template in. Params are re-encoded (decoded, then `encodeURIComponent`), so a value can
 * add neither a `/` nor a `?` or `&`. A field must be a non-empty string, a number or a boolean,
 * and never `.` or `..` (which an upstream could read as a path step).
 */
export function renderTemplate(template: CompiledTemplate, params: Readonly<Record<string, string>>, results: readonly unknown[]): RenderResult {
  let path = ''
  for (const part of template.parts) {
    if (part.kind === 'text') path += part.text
    else if (part.kind === 'param') {
      const raw = params[part.name]
      if (raw === undefined) return { ok: false, problem: `the route param :${part.name} is missing` }
      path += encodeURIComponent(decodeParam(raw))
    } else {
      const value = fieldValue(results[part.index], part.field)
      const encoded = encodeValue(value)
      if (encoded === undefined) {
        return { ok: false, problem: value === undefined ? `${part.source} is missing` : `${part.source} is not a usable value (${describeJson(value)})` }
      }
      path += encoded
    }
  }
  return { ok: true, path }
}

/** The value at `field` in a JSON value; numeric segments index lists. Own keys only. */
export function fieldValue(value: unknown, field: readonly string[]): unknown {
  let node = value
  for (const segment of field) {
    if (Array.isArray(node)) {
      if (!/^(0|[1-9][0-9]*)$/.test(segment)) return undefined
      node = node[Number(segment)]
    } else if (node !== null && typeof node === 'object' && Object.hasOwn(node, segment)) {
      node = (node as Record<string, unknown>)[segment]
    } else {
      return undefined
    }
  }
  return node
}

function encodeValue(value: unknown): string | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : undefined
  if (typeof value === 'boolean') return String(value)
  if (typeof value !== 'string' || value === '' || value === '.' || value === '..') return undefined
  return encodeURIComponent(value)
}

function decodeParam(raw: string): string {
  try {
    return decodeURIComponent(raw)
  } catch {
    return raw // normalize-path refuses bad escapes before routing; kept safe regardless
  }
}

function describeJson(value: unknown): string {
  if (value === null) return 'null'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'an object'
  if (typeof value === 'string') return value === '' ? 'an empty string' : JSON.stringify(value)
  return String(value)
}
