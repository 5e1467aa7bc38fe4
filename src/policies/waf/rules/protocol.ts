// Protocol anomalies (CRS 920xxx range): bytes and shapes a well-behaved client never sends. NUL
// bytes end strings in C and truncate file names; bad percent-encoding is parsed differently by
// different servers; absurd lengths and counts are how parsers and WAFs are exhausted or evaded.
import type { LimitRule, SignatureRule } from '../rule.js'

export const PROTOCOL_RULES: readonly SignatureRule[] = [
  {
    id: 920270,
    group: 'protocol',
    severity: 'critical',
    message: 'Protocol: NUL byte in a request value',
    targets: ['path', 'args', 'userAgent', 'header'],
    form: 'lower',
    // eslint-disable-next-line no-control-regex -- a NUL byte is exactly what this rule looks for
    pattern: /\x00/,
  },
  {
    id: 920220,
    group: 'protocol',
    severity: 'warning',
    message: 'Protocol: invalid percent-encoding in the query or form body',
    targets: ['rawQuery'],
    form: 'lower',
    pattern: /%(?![0-9a-f]{2})/,
  },
]

export const VALUE_TOO_LONG: LimitRule = { id: 920370, group: 'protocol', severity: 'critical', message: 'Protocol: parameter value longer than maxValueLength' }
export const TOO_MANY_PARAMETERS: LimitRule = { id: 920380, group: 'protocol', severity: 'critical', message: 'Protocol: more parameters than maxParameters' }

export const PROTOCOL_LIMITS: readonly LimitRule[] = [VALUE_TOO_LONG, TOO_MANY_PARAMETERS]
