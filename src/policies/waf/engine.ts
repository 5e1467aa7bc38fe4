// The compiled WAF of one policy entry: which signatures read which part of the request, the
// protocol limits and the custom rules, built once in create(). `inspectHead` reads the path, the
// query and the selected headers (every line of them, as the upstream gets them) synchronously;
// `inspectBody` reads a buffered body. Both add to a Scan and stop early once it is `done`.
import type { ClientRequest } from '../../exchange/client-request.js'
import type { BodyKind } from './body-types.js'
import { compileCustomRules, type CustomRule, type CustomRuleOptions, type CustomRuleSet } from './custom-rules.js'
import { percentDecode } from './normalize.js'
import { SEVERITY_SCORES, type LimitRule, type RuleGroup, type SignatureRule, type Target } from './rule.js'
import { BUILTIN_RULE_IDS, SIGNATURE_RULES } from './rules/catalogue.js'
import { TOO_MANY_PARAMETERS, VALUE_TOO_LONG } from './rules/protocol.js'
import { type Scan, TargetSignatures } from './signatures.js'

export interface EngineOptions {
  readonly groups: readonly RuleGroup[]
  readonly exclude: readonly number[]
  readonly maxValueLength: number
  readonly maxParameters: number
  /** Custom rules read at most this many characters of each value. */
  readonly customMaxLength: number
  /** Extra headers the built-in rules read (lower case). */
  readonly headers: readonly string[]
  readonly custom: readonly CustomRuleOptions[]
}

/** One header to read, with the rules that apply to it. */
interface HeaderPlan {
  readonly name: string
  /** The built-in rules' target, or undefined when only custom rules read this header. */
  readonly target: Target | undefined
  readonly custom: readonly CustomRule[]
  /** Cookie: inspect each value on its own. */
  readonly cookie: boolean
}

const TARGETS: readonly Target[] = ['path', 'rawPath', 'rawQuery', 'args', 'userAgent', 'header']
const NO_RULES: readonly CustomRule[] = []
/** A value is decoded at most this many more times (a query value is decoded once before). */
const EXTRA_DECODES = 2
/**
 * Past maxParameters, rule 920380 matches and the fields are still read, up to this many times
 * maxParameters; a query or form with more is refused outright (Scan.refuse), whatever the mode
 * and exclusions, since reading it all is the cost an attacker is after.
 */
export const PARAMETER_HARD_CAP_FACTOR = 4

export class WafEngine {
  readonly #signatures: Readonly<Partial<Record<Target, TargetSignatures>>>
  readonly #custom: CustomRuleSet
  /** By lower-case header name. */
  readonly #headers: ReadonlyMap<string, HeaderPlan>
  readonly #valueTooLong: LimitRule | undefined
  readonly #tooManyParameters: LimitRule | undefined
  readonly #maxValueLength: number
  readonly #maxParameters: number
  readonly #parameterCap: number
  readonly #customMaxLength: number

  constructor(options: EngineOptions) {
    for (const id of options.exclude) {
      if (!BUILTIN_RULE_IDS.has(id) && !options.custom.some((rule) => rule.id === id)) throw new Error(`exclude: no rule has the id ${id}`)
    }
    const excluded = new Set(options.exclude)
    const groups = new Set(options.groups)
    const enabled = (rule: { id: number; group: RuleGroup }): boolean => groups.has(rule.group) && !excluded.has(rule.id)
    const rules = SIGNATURE_RULES.filter(enabled)
    const signatures: Partial<Record<Target, TargetSignatures>> = {}
    for (const target of TARGETS) {
      const ofTarget: SignatureRule[] = rules.filter((rule) => rule.targets.includes(target))
      if (ofTarget.length > 0) signatures[target] = new TargetSignatures(ofTarget)
    }
    this.#signatures = signatures
    this.#custom = compileCustomRules(options.custom.filter((rule) => !excluded.has(rule.id)), BUILTIN_RULE_IDS)
    this.#valueTooLong = enabled(VALUE_TOO_LONG) ? VALUE_TOO_LONG : undefined
    this.#tooManyParameters = enabled(TOO_MANY_PARAMETERS) ? TOO_MANY_PARAMETERS : undefined
    this.#maxValueLength = options.maxValueLength
    this.#maxParameters = options.maxParameters
    this.#parameterCap = options.maxParameters * PARAMETER_HARD_CAP_FACTOR
    this.#customMaxLength = options.customMaxLength
    this.#headers = this.#planHeaders(options.headers)
  }

  /** Path, raw path, query and headers; synchronous. */
  inspectHead(request: ClientRequest, scan: Scan): void {
    this.#inspectPath(request, scan)
    if (scan.done) return
    if (request.query !== '') this.#inspectParameters(request.query, request.searchParams, 'query', this.#custom.query, scan)
    if (scan.done) return
    this.#inspectHeaders(request, scan)
  }

  /** A buffered body of a listed type. */
  inspectBody(text: string, kind: BodyKind, scan: Scan): void {
    const custom = this.#custom.body
    if (kind === 'form') return this.#inspectParameters(text, new URLSearchParams(text), 'body', custom, scan)
    if (kind === 'json') {
      let parsed: unknown
      try {
        parsed = JSON.parse(text)
      } catch {
        // Not JSON after all (or made not to parse): the text as a whole is what the upstream may read.
        return this.scanValue(text, 'args', custom, scan, 'body')
      }
      return this.#inspectJson(parsed, custom, scan)
    }
    this.scanValue(text, 'args', custom, scan, 'body')
  }

  /**
   * Runs the signatures of `target` and the given custom rules on a value, then on its percent-
   * decoded forms (up to twice more, so `%2527` is seen as `'`). Custom rules read only the first
   * customMaxLength characters: their patterns passed a backtracking check, and this bounds the
   * rest of their cost.
   */
  scanValue(value: string, target: Target | undefined, custom: readonly CustomRule[], scan: Scan, kind: string, name?: string): void {
    const signatures = target === undefined ? undefined : this.#signatures[target]
    if (signatures === undefined && custom.length === 0) return
    let text = value
    for (let round = 0; ; round++) {
      signatures?.test(text, scan, kind, name)
      if (custom.length > 0) {
        const head = text.length > this.#customMaxLength ? text.slice(0, this.#customMaxLength) : text
        for (const rule of custom) if (rule.pattern.test(head)) scan.add(rule.id, rule.score, rule.message, kind, name)
      }
      if (round === EXTRA_DECODES || text.indexOf('%') === -1) return
      const decoded = percentDecode(text)
      if (decoded === text) return
      text = decoded
    }
  }

  /** The raw path or query as sent: its rules spell out every encoding, so it is not decoded. */
  scanRaw(value: string, target: 'rawPath' | 'rawQuery', scan: Scan, kind: string): void {
    this.#signatures[target]?.test(value, scan, kind)
  }

  #inspectPath(request: ClientRequest, scan: Scan): void {
    if (this.#signatures.rawPath !== undefined) {
      const url = request.raw.url ?? ''
      const queryAt = url.indexOf('?')
      const rawPath = queryAt === -1 ? url : url.slice(0, queryAt)
      this.scanRaw(rawPath, 'rawPath', scan, 'path')
    }
    this.scanValue(request.path, 'path', this.#custom.path, scan, 'path')
  }

  /**
   * Query or form fields: names and values, the raw text's encoding, the count and the lengths.
   * Past maxParameters, 920380 matches and reading goes on (a rule excluded, detect mode or a high
   * threshold must not leave the later fields unread) up to the hard cap, where the request is
   * refused whatever the mode or exclusions.
   */
  #inspectParameters(raw: string, parameters: URLSearchParams, kind: string, custom: readonly CustomRule[], scan: Scan): void {
    this.scanRaw(raw, 'rawQuery', scan, kind)
    let count = 0
    for (const [name, value] of parameters) {
      if (++count > this.#maxParameters) {
        if (count > this.#parameterCap) {
          scan.refuse(`more than ${this.#parameterCap} ${kind === 'query' ? 'query parameters' : 'form fields'} (${PARAMETER_HARD_CAP_FACTOR} × maxParameters)`)
          return
        }
        const rule = this.#tooManyParameters
        if (count === this.#maxParameters + 1 && rule !== undefined) scan.add(rule.id, SEVERITY_SCORES[rule.severity], rule.message, kind)
        if (scan.done) return
      }
      this.scanValue(name, 'args', custom, scan, kind, name)
      this.scanValue(value, 'args', custom, scan, kind, name)
      const tooLong = this.#valueTooLong
      if (tooLong !== undefined && value.length > this.#maxValueLength) scan.add(tooLong.id, SEVERITY_SCORES[tooLong.severity], tooLong.message, kind, name)
      if (scan.done) return
    }
  }

  /**
   * Every line of the inspected headers, from rawHeaders: `headers` keeps only the first line of
   * User-Agent, Referer, Authorization and the like, but the proxy forwards them all, so a second
   * `User-Agent: sqlmap` must not hide behind a first `User-Agent: Mozilla`.
   */
  #inspectHeaders(request: ClientRequest, scan: Scan): void {
    const raw = request.raw.rawHeaders
    for (let i = 0; i + 1 < raw.length; i += 2) {
      const plan = this.#headers.get((raw[i] as string).toLowerCase())
      if (plan === undefined) continue
      const value = raw[i + 1] as string
      if (plan.cookie) inspectCookies(this, value, plan, scan)
      else this.scanValue(value, plan.target, plan.custom, scan, 'header', plan.name)
      if (scan.done) return
    }
  }

  /** JSON strings and object keys, depth-first without recursion (a body may nest deeply). */
  #inspectJson(root: unknown, custom: readonly CustomRule[], scan: Scan): void {
    const stack: Array<{ value: unknown; key: string | undefined }> = [{ value: root, key: undefined }]
    while (stack.length > 0) {
      const { value, key } = stack.pop() as { value: unknown; key: string | undefined }
      if (typeof value === 'string') this.scanValue(value, 'args', custom, scan, 'body', key)
      else if (Array.isArray(value)) for (const item of value) stack.push({ value: item, key })
      else if (value !== null && typeof value === 'object') {
        for (const [name, item] of Object.entries(value)) {
          this.scanValue(name, 'args', custom, scan, 'body', name)
          stack.push({ value: item, key: name })
        }
      }
      if (scan.done) return
    }
  }

  /** User-Agent, Referer, Cookie, the `headers` option, then headers only custom rules name. */
  #planHeaders(extra: readonly string[]): Map<string, HeaderPlan> {
    const names = new Set(['user-agent', 'referer', 'cookie', ...extra.map((name) => name.toLowerCase())])
    const builtIn = new Set(names)
    for (const name of this.#custom.header.keys()) names.add(name)
    const plans = new Map<string, HeaderPlan>()
    for (const name of names) {
      const target: Target | undefined = !builtIn.has(name) ? undefined : name === 'user-agent' ? 'userAgent' : 'header'
      const custom = [...this.#custom.headers, ...(this.#custom.header.get(name) ?? NO_RULES)]
      if ((target === undefined || this.#signatures[target] === undefined) && custom.length === 0) continue
      plans.set(name, { name, target, custom, cookie: name === 'cookie' })
    }
    return plans
  }
}

/** `a=1; b=2` (one Cookie line): each value (unquoted) on its own, named by its cookie. */
function inspectCookies(engine: WafEngine, header: string, plan: HeaderPlan, scan: Scan): void {
  for (const pair of header.split(';')) {
    const equals = pair.indexOf('=')
    const name = (equals === -1 ? '' : pair.slice(0, equals)).trim()
    let value = (equals === -1 ? pair : pair.slice(equals + 1)).trim()
    if (value.length >= 2 && value.startsWith('"') && value.endsWith('"')) value = value.slice(1, -1)
    if (value !== '') engine.scanValue(value, plan.target, plan.custom, scan, 'cookie', name)
    if (scan.done) return
  }
}
