// Operator-written rules (`custom:`): compiled once, checked for the one regex shape that can
// backtrack catastrophically (a quantified group that itself holds an unbounded quantifier, as in
// `(a+)+`), and sorted by where they look. They read the percent-decoded value in its original
// case, case-insensitively unless `caseSensitive: true`.

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

/** Compiles the rules; throws with the rule's index on a bad or dangerous pattern, or a reused id. */
export function compileCustomRules(options: readonly CustomRuleOptions[], reservedIds: ReadonlySet<number>): CustomRuleSet {
  const set = { path: [] as CustomRule[], query: [] as CustomRule[], body: [] as CustomRule[], headers: [] as CustomRule[], header: new Map<string, CustomRule[]>() }
  const seen = new Set<number>()
  options.forEach((option, index) => {
    const at = `custom[${index}]`
    if (reservedIds.has(option.id)) throw new Error(`${at}.id ${option.id} is a built-in rule id; pick another`)
    if (seen.has(option.id)) throw new Error(`${at}.id ${option.id} is used by another custom rule`)
    seen.add(option.id)
    const problem = nestedQuantifier(option.pattern)
    if (problem !== undefined) throw new Error(`${at}.pattern has a nested quantifier (${problem}) that can backtrack catastrophically; rewrite it without one`)
    let pattern: RegExp
    try {
      pattern = new RegExp(option.pattern, option.caseSensitive === true ? '' : 'i')
    } catch (error) {
      throw new Error(`${at}.pattern is not a valid regular expression: ${(error as Error).message}`)
    }
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

/**
 * The text of a group that is quantified (`+`, `*`, `{n,}`) while holding an unbounded quantifier
 * itself, or undefined. A heuristic over the pattern source: escapes and character classes are
 * skipped; it errs on the side of refusing.
 */
export function nestedQuantifier(source: string): string | undefined {
  const open: Array<{ start: number; unbounded: boolean }> = []
  let inClass = false
  for (let i = 0; i < source.length; i++) {
    const char = source[i]
    if (char === '\\') {
      i++
      continue
    }
    if (inClass) {
      if (char === ']') inClass = false
      continue
    }
    if (char === '[') inClass = true
    else if (char === '(') open.push({ start: i, unbounded: false })
    else if (char === ')') {
      const group = open.pop()
      if (group === undefined) continue
      if (group.unbounded && isUnboundedQuantifier(source, i + 1)) return source.slice(group.start, i + 2)
      // The group's own quantifier makes the enclosing group unbounded too.
      if ((group.unbounded || isUnboundedQuantifier(source, i + 1)) && open.length > 0) (open[open.length - 1] as { unbounded: boolean }).unbounded = true
    } else if (open.length > 0 && isUnboundedQuantifier(source, i)) {
      (open[open.length - 1] as { unbounded: boolean }).unbounded = true
    }
  }
  return undefined
}

/** `+`, `*` or `{n,}` at `index`. */
function isUnboundedQuantifier(source: string, index: number): boolean {
  const char = source[index]
  if (char === '+' || char === '*') return true
  if (char !== '{') return false
  return /^\{\d+,\}/.test(source.slice(index, index + 12))
}
