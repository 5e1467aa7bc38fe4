// One problem found in a config document, located by file, line, column and key path, so that
// `portico validate` can list every problem at once in a form editors and humans both understand.

export type ConfigPath = ReadonlyArray<string | number>

export interface ConfigIssue {
  /** The config file, or `<inline>` for text that came from elsewhere (admin API, tests). */
  readonly file: string
  readonly line: number
  readonly column: number
  /** The key path as written in docs: `routes[3].match.path`. */
  readonly path: string
  readonly expected: string
  readonly found: string
}

/** Thrown (or returned) when a config cannot be used; carries every issue found. */
export class ConfigError extends Error {
  readonly issues: readonly ConfigIssue[]
  constructor(issues: readonly ConfigIssue[]) {
    super(`invalid config:\n${issues.map(formatIssue).join('\n')}`)
    this.name = 'ConfigError'
    this.issues = issues
  }
}

/** `routes[3].match.path` from `['routes', 3, 'match', 'path']`. */
export function formatPath(path: ConfigPath): string {
  let out = ''
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`
    else if (/^[A-Za-z_$][\w$-]*$/.test(segment)) out += out === '' ? segment : `.${segment}`
    else out += `[${JSON.stringify(segment)}]`
  }
  return out === '' ? '(root)' : out
}

/** `portico.yaml:12:9 routes[3].match.path: expected a path starting with /, found "api"` */
export function formatIssue(issue: ConfigIssue): string {
  return `${issue.file}:${issue.line}:${issue.column} ${issue.path}: expected ${issue.expected}, found ${issue.found}`
}

/** A short, safe rendering of a config value for "found ..." (never a whole subtree). */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing'
  if (value === null) return 'null'
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value)
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  if (Array.isArray(value)) return `a list of ${value.length}`
  if (typeof value === 'object') return `an object with keys ${Object.keys(value).slice(0, 6).join(', ') || '(none)'}`
  return typeof value
}
