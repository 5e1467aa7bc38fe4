// Path patterns: exact `/a/b`, prefix `/a/*`, and named params `/users/:id` (optionally ending in
// `/*`). Compiled once at config load into a matcher and a specificity rank for route ordering.

export type PathParams = Record<string, string>

/** Segment ranks used to order routes: a literal beats a param, a param beats the tail wildcard. */
const RANK_LITERAL = 3
const RANK_PARAM = 2
const RANK_WILDCARD = 1
/** Marks "the pattern ends here": an exact end is more specific than a wildcard continuing. */
const RANK_END = 4

export interface CompiledPathPattern {
  readonly source: string
  readonly kind: 'exact' | 'prefix' | 'params'
  /** Names of `:params`, in order; `*` is captured as the param named "*". Values stay percent-encoded
   *  as the client sent them, so inserting them into a rewritten path cannot add a `/`. */
  readonly paramNames: readonly string[]
  /** Lexicographically larger is more specific. */
  readonly rank: readonly number[]
  /** Returns the captured params (an empty shared object when there are none), or undefined. */
  match(path: string): PathParams | undefined
}

const EMPTY_PARAMS: PathParams = Object.freeze({}) as PathParams
const PARAM_NAME = /^:[A-Za-z_][A-Za-z0-9_]*$/

/** Returns a description of what is wrong with a pattern, or undefined when it is valid. */
export function checkPathPattern(pattern: string): string | undefined {
  if (!pattern.startsWith('/')) return 'a path starting with /'
  const segments = pattern.split('/').slice(1)
  const names = new Set<string>()
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i] as string
    if (segment === '*' && i !== segments.length - 1) return 'a path whose only wildcard is a final /*'
    if (segment.includes('*') && segment !== '*') return 'a path whose only wildcard is a final /*'
    if (segment.startsWith(':')) {
      if (!PARAM_NAME.test(segment)) return 'params named like :id (letters, digits, _)'
      if (names.has(segment)) return `param names used once (${segment} repeats)`
      names.add(segment)
    }
  }
  return undefined
}

/** Compiles a pattern (already checked by `checkPathPattern`). */
export function compilePathPattern(pattern: string): CompiledPathPattern {
  const segments = pattern === '/' ? [''] : pattern.split('/').slice(1)
  const hasWildcard = segments[segments.length - 1] === '*'
  const fixed = hasWildcard ? segments.slice(0, -1) : segments
  const paramNames = fixed.filter((s) => s.startsWith(':')).map((s) => s.slice(1))
  const rank: number[] = fixed.map((s) => (s.startsWith(':') ? RANK_PARAM : RANK_LITERAL))
  rank.push(hasWildcard ? RANK_WILDCARD : RANK_END)

  if (paramNames.length === 0 && !hasWildcard) {
    return { source: pattern, kind: 'exact', paramNames, rank, match: (path) => (path === pattern ? EMPTY_PARAMS : undefined) }
  }
  if (paramNames.length === 0) {
    // `/a/*` matches `/a`, `/a/` and `/a/anything`; `/*` matches everything.
    const base = `/${fixed.join('/')}`
    const baseSlash = base === '/' ? '/' : `${base}/`
    const bare = base === '/' ? '' : base
    return {
      source: pattern,
      kind: 'prefix',
      paramNames: ['*'],
      rank,
      match(path) {
        if (path === bare) return { '*': '' }
        if (!path.startsWith(baseSlash)) return undefined
        return { '*': path.slice(baseSlash.length) }
      },
    }
  }
  const names = hasWildcard ? [...paramNames, '*'] : paramNames
  const body = fixed.map((s) => (s.startsWith(':') ? '([^/]+)' : escapeRegex(s))).join('/')
  const regex = new RegExp(`^/${body}${hasWildcard ? '(?:/(.*))?' : ''}$`)
  return {
    source: pattern,
    kind: 'params',
    paramNames: names,
    rank,
    match(path) {
      const found = regex.exec(path)
      if (found === null) return undefined
      const params: PathParams = {}
      for (let i = 0; i < names.length; i++) params[names[i] as string] = found[i + 1] ?? ''
      return params
    },
  }
}

/** Compares two ranks: positive when `a` is more specific. */
export function compareRanks(a: readonly number[], b: readonly number[]): number {
  const length = Math.min(a.length, b.length)
  for (let i = 0; i < length; i++) {
    const diff = (a[i] as number) - (b[i] as number)
    if (diff !== 0) return diff
  }
  return a.length - b.length
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}
