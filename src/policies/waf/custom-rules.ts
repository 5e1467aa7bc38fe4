// Operator-written rules (`custom:`): compiled once, refused when their shape can backtrack
// catastrophically on client input (see backtrackingRisk below), and sorted by where they look.
// They read the percent-decoded value in its original case, case-insensitively unless
// `caseSensitive: true`, and only its first customMaxLength characters (the engine cuts it).

export interface CustomRuleOptions {
  readonly id: number
  readonly where: readonly string[]
  readonly pattern: string
  readonly score?: number | undefined
  readonly message?: string | undefined
  readonly caseSensitive?: boolean | undefined
}

export interface CustomRule {
  readonly id: number
  readonly score: number
  readonly message: string
  readonly pattern: RegExp
}

/** Custom rules sorted by the part of the request they read. */
export interface CustomRuleSet {
  readonly path: readonly CustomRule[]
  readonly query: readonly CustomRule[]
  readonly body: readonly CustomRule[]
  /** Rules for every inspected header (`where: headers`). */
  readonly headers: readonly CustomRule[]
  /** Rules for one header (`where: header:<name>`), by lower-case name. */
  readonly header: ReadonlyMap<string, readonly CustomRule[]>
}

export const DEFAULT_CUSTOM_SCORE = 5
/** Custom rules read at most this many characters of a value (`customMaxLength`). */
export const DEFAULT_CUSTOM_MAX_LENGTH = 8192

/** Compiles the rules; throws naming the entry and the rule id on a bad or dangerous pattern, or a reused id. */
export function compileCustomRules(options: readonly CustomRuleOptions[], reservedIds: ReadonlySet<number>): CustomRuleSet {
  const set = { path: [] as CustomRule[], query: [] as CustomRule[], body: [] as CustomRule[], headers: [] as CustomRule[], header: new Map<string, CustomRule[]>() }
  const seen = new Set<number>()
  options.forEach((option, index) => {
    const at = `custom[${index}]`
    if (reservedIds.has(option.id)) throw new Error(`${at}.id ${option.id} is a built-in rule id; pick another`)
    if (seen.has(option.id)) throw new Error(`${at}.id ${option.id} is used by another custom rule`)
    seen.add(option.id)
    const flags = option.caseSensitive === true ? '' : 'i'
    let pattern: RegExp
    try {
      pattern = new RegExp(option.pattern, flags)
    } catch (error) {
      throw new Error(`${at}.pattern (rule ${option.id}) is not a valid regular expression: ${(error as Error).message}`)
    }
    const problem = backtrackingRisk(option.pattern, flags)
    if (problem !== undefined) throw new Error(`${at}.pattern (rule ${option.id}) ${problem}`)
    const rule: CustomRule = { id: option.id, score: option.score ?? DEFAULT_CUSTOM_SCORE, message: option.message ?? `Custom rule ${option.id}`, pattern }
    for (const where of new Set(option.where)) {
      if (where === 'path' || where === 'query' || where === 'body' || where === 'headers') set[where].push(rule)
      else {
        const name = where.slice('header:'.length).toLowerCase()
        const list = set.header.get(name) ?? []
        list.push(rule)
        set.header.set(name, list)
      }
    }
  })
  return set
}

// ---------------------------------------------------------------------------------------------
// The backtracking check. V8 matches by backtracking, so a pattern that can match one stretch of
// text in many ways tries them all before it fails, and the client chooses the text. Two shapes
// are refused:
//
// 1. A repeated group (`*`, `+`, `{n,}`, `{n,m}` with m > 1, `{n}` with n > 1) that holds an
//    alternation or any quantifier: `(a+)+`, `(\w|\d)+`, `(a|a)*`, `(a+){12}`. Exponential (or
//    polynomial of degree n) time: seconds on 30 characters. A class (`[\w\d]+`) or an unrepeated
//    group says the same thing safely.
// 2. A run of quantifiers that can match the same characters, with no required character between
//    them that the first cannot match: `\w*\w*`, `a.*b.*c`, `\s*.*`.
//    Every way of splitting the value between them is tried: polynomial time, whose degree grows
//    with each open-ended quantifier (`\w*\w*\w*x` takes seconds on 500 characters). Such a run is
//    accepted while the ranges of its quantifiers (max - min + 1) multiply to at most RUN_LIMIT,
//    an open-ended one counting OPEN_RANGE: so one open-ended quantifier with small bounded ones
//    (`.*\d{1,3}`), or bounded ones (`.{0,30}a.{0,30}`), but never two open-ended ones.
//
// What is left costs at most about (value length)^2 x RUN_LIMIT / OPEN_RANGE steps; the engine
// caps the length of what custom rules read (customMaxLength) to keep that bounded.

/** Ranges in a run of overlapping quantifiers may multiply to this much. */
export const RUN_LIMIT = 1000
/** What an open-ended quantifier (`*`, `+`, `{n,}`) counts for in that product. */
export const OPEN_RANGE = 100

interface Quantified {
  readonly atom: Atom
  readonly min: number
  readonly max: number
  /** Where the atom and its quantifier are in the source. */
  readonly start: number
  readonly end: number
}

type Atom =
  | { readonly kind: 'char'; readonly set: bigint }
  | { readonly kind: 'assertion' }
  | { readonly kind: 'backreference' }
  | { readonly kind: 'group'; readonly alternatives: readonly Quantified[][]; readonly lookbehind: boolean; readonly lookaround: boolean }

/**
 * Why `source` (a valid pattern) can backtrack catastrophically, or undefined. Errs on the side
 * of refusing.
 * @example backtrackingRisk('(a+)+', 'i') // "repeats the group (a+)+, which holds a quantifier: …"
 */
export function backtrackingRisk(source: string, flags: string): string | undefined {
  const alternatives = new PatternParser(source, flags).parse()
  return repeatedGroupRisk(source, alternatives) ?? runRisk(source, alternatives, false)
}

/** Shape 1: a repeated group holding an alternation or a quantifier. */
function repeatedGroupRisk(source: string, alternatives: readonly Quantified[][]): string | undefined {
  for (const sequence of alternatives) {
    for (const term of sequence) {
      if (term.atom.kind !== 'group') continue
      if (term.max > 1) {
        const text = source.slice(term.start, term.end)
        if (holdsAlternation(term.atom.alternatives)) {
          return `repeats the group ${text}, which holds an alternation: that can backtrack catastrophically (exponential time on a few dozen characters); use a character class, or do not repeat the group`
        }
        if (holdsQuantifier(term.atom.alternatives)) {
          return `repeats the group ${text}, which holds a quantifier: that can backtrack catastrophically (exponential time on a few dozen characters); rewrite it without the nested quantifier`
        }
      }
      const inner = repeatedGroupRisk(source, term.atom.alternatives)
      if (inner !== undefined) return inner
    }
  }
  return undefined
}

function holdsAlternation(alternatives: readonly Quantified[][]): boolean {
  if (alternatives.length > 1) return true
  return alternatives.some((sequence) => sequence.some((term) => term.atom.kind === 'group' && holdsAlternation(term.atom.alternatives)))
}

function holdsQuantifier(alternatives: readonly Quantified[][]): boolean {
  return alternatives.some((sequence) => sequence.some((term) => term.min !== 1 || term.max !== 1 || (term.atom.kind === 'group' && holdsQuantifier(term.atom.alternatives))))
}

/** A sequence still to walk, from an index: what follows a quantifier, up to the pattern's end. */
interface Rest {
  readonly sequence: readonly Quantified[]
  readonly from: number
}

/**
 * A run so far: the product of its ranges, and the quantifier that took it past RUN_LIMIT.
 * Undefined once the run is blocked (a required character its first quantifier cannot match).
 */
type Run = { readonly product: number; readonly culprit: Quantified | undefined } | undefined

/**
 * Shape 2, for every quantifier that can match more than one length. A lookaround is checked on
 * its own (it matches from where it stands, and a lookbehind backwards, so both directions).
 */
function runRisk(source: string, alternatives: readonly Quantified[][], reversed: boolean, rest: readonly Rest[] = []): string | undefined {
  for (const original of alternatives) {
    const sequence = reversed ? [...original].reverse() : original
    for (let index = 0; index < sequence.length; index++) {
      const term = sequence[index] as Quantified
      const after: Rest[] = [{ sequence, from: index + 1 }, ...rest]
      const atom = term.atom
      if (atom.kind === 'group' && atom.lookaround) {
        const own = runRisk(source, atom.alternatives, reversed) ?? (atom.lookbehind && !reversed ? runRisk(source, atom.alternatives, true) : undefined)
        if (own !== undefined) return own
        continue
      }
      if (atom.kind === 'group' && term.max <= 1) {
        // Not repeated: a quantifier inside is followed by the rest of the group, then what follows it.
        const inner = runRisk(source, atom.alternatives, reversed, after)
        if (inner !== undefined) return inner
        continue
      }
      const set = charsOf(term)
      if (term.max === term.min || set === 0n) continue
      let run: Run = { product: range(term), culprit: undefined }
      for (const { sequence: following, from } of after) {
        run = walk(following, from, set, run, reversed)
        if (run === undefined) break
      }
      if (run?.culprit !== undefined) {
        return `has ${source.slice(term.start, term.end)} and then ${source.slice(run.culprit.start, run.culprit.end)} able to match the same characters with nothing in between that stops the first, so a crafted value is split between them every possible way (polynomial backtracking: seconds on a few hundred characters); make them match different characters, or bound them (their ranges may multiply to at most ${RUN_LIMIT}, where *, + and {n,} count as ${OPEN_RANGE})`
      }
    }
  }
  return undefined
}

/**
 * Walks `sequence` from `from` after a quantifier matching `set`: multiplies in the range of each
 * quantifier that can match a character of `set`, and blocks the run at a required atom that
 * cannot. A group's alternatives are walked separately; the worst one that gets through counts.
 */
function walk(sequence: readonly Quantified[], from: number, set: bigint, run: Run, reversed: boolean): Run {
  let current = run
  for (let index = from; index < sequence.length && current !== undefined; index++) {
    const term = sequence[index] as Quantified
    const atom = term.atom
    if (atom.kind === 'assertion' || (atom.kind === 'group' && atom.lookaround)) continue
    if (atom.kind === 'group' && term.max <= 1) {
      let worst: Run = term.min === 0 ? current : undefined
      for (const alternative of atom.alternatives) {
        const through = walk(reversed ? [...alternative].reverse() : alternative, 0, set, current, reversed)
        if (through !== undefined && (worst === undefined || through.product > worst.product)) worst = through
      }
      current = worst
      continue
    }
    const chars = charsOf(term)
    if ((chars & set) === 0n) {
      if (term.min > 0 && chars !== 0n) current = undefined
      continue
    }
    if (term.max !== term.min) {
      const product = current.product * range(term)
      current = { product, culprit: current.culprit ?? (product > RUN_LIMIT ? term : undefined) }
    }
  }
  return current
}

/** max - min + 1, at most OPEN_RANGE (what an open-ended quantifier counts). */
function range(term: Quantified): number {
  return term.max === Number.POSITIVE_INFINITY ? OPEN_RANGE : Math.min(term.max - term.min + 1, OPEN_RANGE)
}

/** The characters a term can match: its own, or every character of a (repeated, fixed) group. */
function charsOf(term: Quantified): bigint {
  const atom = term.atom
  if (atom.kind === 'char') return atom.set
  if (atom.kind === 'backreference') return ANY
  if (atom.kind === 'assertion' || atom.lookaround) return 0n
  let set = 0n
  for (const sequence of atom.alternatives) for (const inner of sequence) set |= charsOf(inner)
  return set
}

/**
 * The characters tried to tell which atoms overlap: ASCII, and letters, spaces and marks from
 * further up that case-folding and `\s` reach. An atom that matches none of them (a range of CJK
 * characters, say) is taken to match everything.
 */
const PROBES: readonly string[] = [
  ...Array.from({ length: 128 }, (_, code) => String.fromCharCode(code)),
  ...'\u00a0\u00b5\u00c0\u00df\u00e9\u00ff\u0130\u0131\u017f\u0391\u03b1\u0410\u0430\u1680\u2000\u2028\u2029\u202f\u205f\u212a\u3000\u4e00\ud83d\ude00\ufeff\ufffd',
]
const ANY = (1n << BigInt(PROBES.length)) - 1n

/** One pass over the source, into sequences of quantified atoms. Assumes a valid pattern. */
class PatternParser {
  readonly #source: string
  readonly #flags: string
  readonly #sets = new Map<string, bigint>()
  #at = 0

  constructor(source: string, flags: string) {
    this.#source = source
    this.#flags = flags
  }

  parse(): Quantified[][] {
    return this.#alternatives()
  }

  #alternatives(): Quantified[][] {
    const source = this.#source
    const alternatives: Quantified[][] = [[]]
    while (this.#at < source.length && source[this.#at] !== ')') {
      if (source[this.#at] === '|') {
        this.#at++
        alternatives.push([])
        continue
      }
      const start = this.#at
      const atom = this.#atom()
      const [min, max] = this.#quantifier()
      ;(alternatives[alternatives.length - 1] as Quantified[]).push({ atom, min, max, start, end: this.#at })
    }
    return alternatives
  }

  #atom(): Atom {
    const source = this.#source
    const start = this.#at
    const char = source[start]
    if (char === '(') {
      let lookaround = false
      let lookbehind = false
      this.#at++
      if (source.startsWith('?:', this.#at)) this.#at += 2
      else if (source.startsWith('?=', this.#at) || source.startsWith('?!', this.#at)) {
        this.#at += 2
        lookaround = true
      } else if (source.startsWith('?<=', this.#at) || source.startsWith('?<!', this.#at)) {
        this.#at += 3
        lookaround = lookbehind = true
      } else if (source.startsWith('?<', this.#at)) this.#at = source.indexOf('>', this.#at) + 1
      const alternatives = this.#alternatives()
      this.#at++ // ')'
      return { kind: 'group', alternatives, lookaround, lookbehind }
    }
    if (char === '^' || char === '$') {
      this.#at++
      return { kind: 'assertion' }
    }
    if (char === '[') {
      let at = start + 1
      if (source[at] === '^') at++
      while (at < source.length && source[at] !== ']') at += source[at] === '\\' ? 2 : 1
      this.#at = at + 1
    } else if (char === '\\') {
      const next = source[start + 1] ?? ''
      if (next === 'b' || next === 'B') {
        this.#at += 2
        return { kind: 'assertion' }
      }
      if (/[1-9]/.test(next) || (next === 'k' && source[start + 2] === '<')) {
        this.#at = next === 'k' ? source.indexOf('>', start) + 1 : start + 1 + (/^\d+/.exec(source.slice(start + 1)) as RegExpExecArray)[0].length
        return { kind: 'backreference' }
      }
      const escape = /^(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|c[A-Za-z]|0[0-7]{0,2}|[\s\S])/.exec(source.slice(start + 1)) as RegExpExecArray
      this.#at = start + 1 + escape[0].length
    } else this.#at++
    return { kind: 'char', set: this.#charSet(source.slice(start, this.#at)) }
  }

  /** `*`, `+`, `?`, `{n}`, `{n,}` or `{n,m}` (lazy or not) as [min, max]; [1, 1] when none follows. */
  #quantifier(): [number, number] {
    const source = this.#source
    const char = source[this.#at]
    let bounds: [number, number] = [1, 1]
    if (char === '*') bounds = [0, Number.POSITIVE_INFINITY]
    else if (char === '+') bounds = [1, Number.POSITIVE_INFINITY]
    else if (char === '?') bounds = [0, 1]
    else if (char === '{') {
      const braces = /^\{(\d+)(,(\d*))?\}/.exec(source.slice(this.#at))
      if (braces === null) return bounds
      const min = Number(braces[1])
      bounds = [min, braces[2] === undefined ? min : braces[3] === '' ? Number.POSITIVE_INFINITY : Number(braces[3])]
      this.#at += braces[0].length - 1
    } else return bounds
    this.#at++
    if (source[this.#at] === '?') this.#at++
    return bounds
  }

  /** Which probe characters one atom (a character, escape, class or `.`) matches with the rule's flags. */
  #charSet(atom: string): bigint {
    const cached = this.#sets.get(atom)
    if (cached !== undefined) return cached
    let set = 0n
    try {
      const exact = new RegExp(`^(?:${atom})$`, this.#flags)
      PROBES.forEach((probe, index) => {
        if (exact.test(probe)) set |= 1n << BigInt(index)
      })
    } catch {
      set = ANY
    }
    if (set === 0n) set = ANY
    this.#sets.set(atom, set)
    return set
  }
}
