// The shape of a WAF signature: a stable id (CRS-style ranges), a severity that sets its anomaly
// score, the parts of a request it reads (targets), the normalized form of a value it is tested on,
// and one linear regular expression. Rule tables live in rules/, one file per group.

/** CRS anomaly scoring: critical 5, warning 3, notice 2. */
export type Severity = 'critical' | 'warning' | 'notice'

export const SEVERITY_SCORES: Readonly<Record<Severity, number>> = { critical: 5, warning: 3, notice: 2 }

export const RULE_GROUPS = ['sqli', 'xss', 'traversal', 'rce', 'scanners', 'protocol'] as const
export type RuleGroup = (typeof RULE_GROUPS)[number]

/**
 * Where a value came from. `args` are query names and values and body values (form fields, JSON
 * strings and keys, a text body); `header` is Referer, Cookie values and the `headers` option;
 * `rawPath` and `rawQuery` are the request-target as sent, before any decoding.
 */
export type Target = 'path' | 'rawPath' | 'rawQuery' | 'args' | 'userAgent' | 'header'

/**
 * The normalized form a rule reads. Every form but `case` is lower-case (so patterns are written in
 * lower case and need no `i` flag); `sql` also has SQL comments replaced by spaces and whitespace
 * collapsed; `html` has HTML character references decoded. `case` is the value as sent (percent-
 * decoded, not lower-cased), for the rules where case tells code from prose: the shell runs
 * `| id`, not "Name | ID". Its patterns are written in lower case too (no upper-case letters, so
 * whatever they match in the value they also match in its lower-case form): they are tried on the
 * lower form with the `lower` rules first, and only a match there is confirmed on the value as sent.
 */
export type Form = 'lower' | 'sql' | 'html' | 'case'

export interface SignatureRule {
  /** Stable: what `exclude` lists and the access log shows. */
  readonly id: number
  readonly group: RuleGroup
  readonly severity: Severity
  readonly message: string
  readonly targets: readonly Target[]
  readonly form: Form
  /**
   * No flags, no capturing groups or backreferences (rules of one target are joined into a single
   * alternation), and linear: no nested quantifiers over overlapping classes.
   */
  readonly pattern: RegExp
}

/** A protocol check made in code rather than by a pattern (lengths, counts). */
export interface LimitRule {
  readonly id: number
  readonly group: RuleGroup
  readonly severity: Severity
  readonly message: string
}

/** Targets of the injection groups: everything a client controls that the upstream will read. */
export const INJECTION_TARGETS: readonly Target[] = ['path', 'args', 'userAgent', 'header']
