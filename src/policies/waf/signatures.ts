// The per-target matcher and the per-request tally. Built once per config generation: the enabled
// rules of a target are joined into one alternation per normalized form, plus one over all forms
// for the common case where the forms are the same string (no comment, no entity, single spaces).
// A value that matches nothing costs one `toLowerCase` and one regex test; only a value that
// matches is tested rule by rule, to name the rules (`case` rules on the value as sent).
import { toHtmlForm, toSqlForm } from './normalize.js'
import { SEVERITY_SCORES, type Form, type SignatureRule } from './rule.js'

/** One rule that matched, and where (for logs: never the value itself). */
export interface RuleHit {
  readonly id: number
  readonly score: number
  readonly message: string
  readonly where: string
}

/**
 * One request's matches and anomaly score. A rule counts once per request, wherever it matched.
 * `done` turns true at the score where a blocking policy stops looking, or once the request is
 * refused outright.
 */
export class Scan {
  score = 0
  readonly hits: RuleHit[] = []
  /** Why the request is refused whatever the score, mode or exclusions (input past a hard cap). */
  refusal: string | undefined
  readonly #stopAt: number

  constructor(stopAt = Number.POSITIVE_INFINITY) {
    this.#stopAt = stopAt
  }

  get done(): boolean {
    return this.refusal !== undefined || this.score >= this.#stopAt
  }

  /** Marks the request refused (403 even in detect mode): reading on would be the attack. */
  refuse(reason: string): void {
    this.refusal ??= reason
  }

  /** Records a match; `name` is the parameter, header or cookie it was found in. */
  add(id: number, score: number, message: string, kind: string, name?: string): void {
    for (const hit of this.hits) if (hit.id === id) return
    this.hits.push({ id, score, message, where: name === undefined ? kind : `${kind}:${logSafe(name)}` })
    this.score += score
  }

  /** `942100,941100` */
  ruleIds(): string {
    return this.hits.map((hit) => hit.id).join(',')
  }
}

/** A parameter name is attacker-controlled: keep it short and plain in logs. */
function logSafe(name: string): string {
  const plain = name.slice(0, 32).replace(/[^\w.[\]-]/g, '_')
  return name.length > 32 ? `${plain}…` : plain
}

interface FormGroup {
  readonly form: Form
  readonly union: RegExp
  readonly rules: readonly SignatureRule[]
}

/** The enabled signatures of one target, compiled. */
export class TargetSignatures {
  readonly #all: RegExp
  readonly #groups: readonly FormGroup[]
  readonly #needsSql: boolean
  readonly #needsHtml: boolean

  constructor(rules: readonly SignatureRule[]) {
    if (rules.length === 0) throw new Error('TargetSignatures needs at least one rule')
    for (const rule of rules) {
      if (rule.pattern.flags !== '') throw new Error(`rule ${rule.id}: built-in patterns take no flags`)
    }
    this.#all = union(rules)
    const forms: Form[] = ['lower', 'sql', 'html']
    this.#groups = forms.flatMap((form) => {
      // `case` rules are screened on the lower form (see Form) and confirmed on the value as sent.
      const ofForm = rules.filter((rule) => rule.form === form || (form === 'lower' && rule.form === 'case'))
      return ofForm.length === 0 ? [] : [{ form, union: union(ofForm), rules: ofForm }]
    })
    this.#needsSql = rules.some((rule) => rule.form === 'sql')
    this.#needsHtml = rules.some((rule) => rule.form === 'html')
  }

  /** Tests one value (already percent-decoded as far as wanted) and records what matched. */
  test(text: string, scan: Scan, kind: string, name?: string): void {
    const lower = text.toLowerCase()
    const sql = this.#needsSql ? toSqlForm(lower) : lower
    const html = this.#needsHtml ? toHtmlForm(lower) : lower
    if (sql === lower && html === lower) {
      if (!this.#all.test(lower)) return
      for (const group of this.#groups) confirm(group.rules, lower, text, scan, kind, name)
      return
    }
    for (const group of this.#groups) {
      const value = group.form === 'sql' ? sql : group.form === 'html' ? html : lower
      if (group.union.test(value)) confirm(group.rules, value, text, scan, kind, name)
    }
  }
}

/** Names the rules that match `value` (their form of it), or `text` as sent for `case` rules. */
function confirm(rules: readonly SignatureRule[], value: string, text: string, scan: Scan, kind: string, name: string | undefined): void {
  for (const rule of rules) {
    if (rule.pattern.test(rule.form === 'case' ? text : value)) scan.add(rule.id, SEVERITY_SCORES[rule.severity], rule.message, kind, name)
  }
}

function union(rules: readonly SignatureRule[]): RegExp {
  return new RegExp(rules.map((rule) => `(?:${rule.pattern.source})`).join('|'))
}
