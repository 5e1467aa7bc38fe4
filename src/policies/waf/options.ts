// Options of the `waf` policy: mode and threshold of the anomaly score, which built-in groups run,
// rules switched off for false positives, protocol limits, body inspection and custom rules.
import Type from 'typebox'
import { HeaderName, Size, strictObject } from '../../config/schema/common.js'
import { RULE_GROUPS } from './rule.js'

export const DEFAULT_THRESHOLD = 5
export const DEFAULT_MAX_VALUE_LENGTH = 4096
export const DEFAULT_MAX_PARAMETERS = 256
export const DEFAULT_BODY_MAX_SIZE = 64 * 1024

const MEDIA_RANGE = '^[A-Za-z0-9!#$&^_.+-]+/(\\*|\\*\\+[A-Za-z0-9!#$&^_.+-]+|[A-Za-z0-9!#$&^_.+-]+)$'
const WHERE = "^(path|query|headers|body|header:[!#$%&'*+.^_`|~0-9A-Za-z-]+)$"

const RuleId = (description: string) => Type.Integer({ minimum: 1, maximum: 999_999, description, 'x-expected': 'a rule id (an integer like 942100)' })

export const WafOptions = strictObject({
  mode: Type.Optional(Type.Enum(['block', 'detect'], { description: '`block` (the default) refuses a request whose score reaches `threshold` with a 403; `detect` only logs it and lets it through.' })),
  threshold: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Anomaly score at which a request is refused (critical rules score 5, warnings 3, notices 2); default 5.' })),
  rules: Type.Optional(
    Type.Array(Type.Enum([...RULE_GROUPS]), {
      minItems: 1,
      uniqueItems: true,
      'x-expected': `a list of distinct rule groups from ${RULE_GROUPS.join(', ')}`,
      description: `Built-in rule groups to run; default all (${RULE_GROUPS.join(', ')}).`,
    }),
  ),
  exclude: Type.Optional(Type.Array(RuleId('A rule id.'), { uniqueItems: true, description: 'Rule ids switched off, for false positives (e.g. [942100]).' })),
  maxValueLength: Type.Optional(Type.Integer({ minimum: 1, description: 'Longest query or form value, in characters, before rule 920370 matches; default 4096.' })),
  maxParameters: Type.Optional(
    Type.Integer({ minimum: 1, description: 'Most query (or form) parameters before rule 920380 matches; default 256. More than 4 times as many are refused with a 403 in every mode.' }),
  ),
  headers: Type.Optional(Type.Array(HeaderName(), { minItems: 1, description: 'More request headers the built-in rules read like a value (User-Agent, Referer and Cookie always are).' })),
  inspectBody: Type.Optional(
    strictObject(
      {
        maxSize: Type.Optional(Size('Largest body buffered for inspection; default 64kb.')),
        contentTypes: Type.Optional(
          Type.Array(Type.String({ pattern: MEDIA_RANGE, 'x-expected': 'a media type like application/json, text/* or application/*+json' }), {
            minItems: 1,
            description: 'Media types inspected; default application/json, application/x-www-form-urlencoded and text/plain.',
          }),
        ),
        onTooLarge: Type.Optional(Type.Enum(['pass', 'block'], { description: '`pass` (the default) forwards a larger body uninspected and notes it in the access log; `block` refuses it with a 413.' })),
      },
      { description: 'Inspect request bodies (off when absent): buffered up to maxSize, then streamed on to the upstream unchanged.' },
    ),
  ),
  customMaxLength: Type.Optional(Type.Integer({ minimum: 1, description: 'How many characters of each value (the first ones) custom rules read; default 8192.' })),
  custom: Type.Optional(
    Type.Array(
      strictObject({
        id: RuleId('Rule id, unique, not a built-in one.'),
        where: Type.Array(Type.String({ pattern: WHERE, 'x-expected': 'path, query, headers, body or a header like header:x-debug' }), { minItems: 1, description: 'Parts of the request the rule reads.' }),
        pattern: Type.String({ minLength: 1, description: 'A regular expression (JavaScript syntax), tested on the percent-decoded value; a shape that can backtrack catastrophically is refused.' }),
        score: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Added to the anomaly score on a match; default 5.' })),
        message: Type.Optional(Type.String({ minLength: 1, description: 'Shown in logs.' })),
        caseSensitive: Type.Optional(Type.Boolean({ description: 'Match case; default false.' })),
      }),
      { description: 'Rules of your own: `{ id, where, pattern, score, message }`.' },
    ),
  ),
})
