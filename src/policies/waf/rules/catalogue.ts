// Every built-in rule, in one list: what `rules:` enables by group and `exclude:` disables by id.
import type { LimitRule, SignatureRule } from '../rule.js'
import { PROTOCOL_LIMITS, PROTOCOL_RULES } from './protocol.js'
import { RCE_RULES } from './rce.js'
import { SCANNER_RULES } from './scanners.js'
import { SQLI_RULES } from './sqli.js'
import { TRAVERSAL_RULES } from './traversal.js'
import { XSS_RULES } from './xss.js'

export const SIGNATURE_RULES: readonly SignatureRule[] = [...SQLI_RULES, ...XSS_RULES, ...TRAVERSAL_RULES, ...RCE_RULES, ...SCANNER_RULES, ...PROTOCOL_RULES]

export const LIMIT_RULES: readonly LimitRule[] = PROTOCOL_LIMITS

/** Every built-in rule id, signature or limit. */
export const BUILTIN_RULE_IDS: ReadonlySet<number> = new Set([...SIGNATURE_RULES, ...LIMIT_RULES].map((rule) => rule.id))
