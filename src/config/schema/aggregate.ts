// Schema of a route's `aggregate:` action: one client request fans out to several service calls
// whose JSON answers are merged into one object. Cross-references (services, calls named in
// placeholders, cycles, params) are checked after the schema, by the plan compiler.
import Type from 'typebox'
import { Duration, Size, strictObject } from './common.js'

/** Call names are JSON keys of the answer and appear in `{call.field}` placeholders: no dots. */
export const CALL_NAME_PATTERN = '^[A-Za-z][A-Za-z0-9_-]*$'

/** The methods a call may use; the client's body is never forwarded, whatever the method. */
export const AGGREGATE_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const

/**
 * Deepest nesting of arrays and objects accepted in a call's answer. The merged answer is built and
 * serialised by recursion, which a hostile or broken upstream could otherwise overflow.
 */
export const MAX_ANSWER_DEPTH = 1000

/** Client headers withheld from calls unless a call lists them in `forwardHeaders`. */
export const WITHHELD_HEADERS = ['authorization', 'cookie'] as const

function maxDepth(description: string) {
  return Type.Integer({ minimum: 1, maximum: MAX_ANSWER_DEPTH, description, 'x-expected': `a nesting depth from 1 to ${MAX_ANSWER_DEPTH}` })
}

export const AggregateCallSchema = strictObject({
  service: Type.String({ minLength: 1, description: 'The service this call goes to (its balancer, health checks and circuit breaker apply).' }),
  path: Type.String({
    pattern: '^/[^\\s#]*$',
    description: 'Path and query sent to the service. `:name` (after `/` or `=`) inserts a route param, URL-encoded; `{call.field}` inserts a field of another call\'s JSON answer and makes this call wait for it.',
    'x-expected': 'a path starting with / (no spaces or #)',
  }),
  method: Type.Optional(Type.Enum([...AGGREGATE_METHODS], { description: 'Request method; default GET. No body is sent.' })),
  optional: Type.Optional(Type.Boolean({ description: 'A failure leaves this call\'s key null, listed under `_errors` (status stays 200), instead of failing the whole request; default false.' })),
  timeout: Type.Optional(Duration('Deadline of this call (headers and body); default the service\'s timeout. Never beyond the aggregate timeout.')),
  forwardQuery: Type.Optional(Type.Boolean({ description: 'Append the client\'s query string to this call\'s path; default false.' })),
  forwardHeaders: Type.Optional(
    Type.Array(Type.Enum([...WITHHELD_HEADERS]), {
      minItems: 1,
      description: 'Client credentials this call also gets: `authorization`, `cookie`; default none. Other client headers, X-Request-Id, X-Forwarded-* and consumer headers always go.',
      'x-expected': 'a list of authorization, cookie',
    }),
  ),
  maxBodySize: Type.Optional(Size('Largest answer accepted from this call; default the aggregate\'s maxBodySize.')),
  maxDepth: Type.Optional(maxDepth('Deepest nesting of arrays and objects accepted in this call\'s answer; default the aggregate\'s maxDepth.')),
})

export const AggregateSchema = strictObject({
  timeout: Type.Optional(Duration('Deadline of the whole aggregation; calls still running then fail with 504; default 10s.')),
  maxBodySize: Type.Optional(Size('Largest answer accepted from each call; default 1mb.')),
  maxDepth: Type.Optional(maxDepth('Deepest nesting of arrays and objects accepted in each call\'s answer (deeper: ERR_UPSTREAM_NOT_JSON); default 256.')),
  calls: Type.Record(Type.String(), AggregateCallSchema, {
    minProperties: 1,
    description: 'The calls by name; each name is a key of the merged JSON object. Calls without placeholders of other calls run in parallel.',
  }),
  select: Type.Optional(
    Type.Record(
      Type.String(),
      Type.Array(Type.String({ pattern: '^[^.\\s]+(\\.[^.\\s]+)*$', 'x-expected': 'a field path like id or address.city' }), { minItems: 1 }),
      { description: 'Keep only these fields of a call\'s answer (`a.b` for nested fields; applied to every item of a list).' },
    ),
  ),
  rename: Type.Optional(
    Type.Record(Type.String(), Type.String({ pattern: CALL_NAME_PATTERN, 'x-expected': 'a key starting with a letter (letters, digits, _ and -)' }), {
      description: 'Keys of the merged object to rename: `{ call: newKey }`.',
    }),
  ),
})
