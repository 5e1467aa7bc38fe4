// Options of `rateLimit`: one limit (`limit` + `window`) or several (`limits`), what to count by,
// and what to do when the store is unreachable.
import Type from 'typebox'
import { Duration } from '../../config/schema/common.js'

const LimitSchema = Type.Object(
  {
    limit: Type.Integer({ minimum: 1, description: 'Requests allowed per window.' }),
    window: Duration('Length of the sliding window, e.g. 1s, 1m, 1h.'),
  },
  { additionalProperties: false },
)

export const RateLimitOptions = Type.Object(
  {
    limit: Type.Optional(Type.Integer({ minimum: 1, description: 'Requests allowed per window (single-limit form).' })),
    window: Type.Optional(Duration('Window of the single-limit form.')),
    limits: Type.Optional(Type.Array(LimitSchema, { minItems: 1, description: 'Several limits checked together, e.g. 10/s and 1000/h.' })),
    keyBy: Type.Optional(
      Type.Array(Type.String({ pattern: '^(ip|consumer|route|header:[A-Za-z0-9-]+|claim:[A-Za-z0-9_.:-]+)$', 'x-expected': 'ip, consumer, route, header:<name> or claim:<name>' }), {
        minItems: 1,
        description: 'What a counter is kept for, combined: ip, consumer (falls back to ip), route, header:<name>, claim:<name>; default [ip].',
      }),
    ),
    name: Type.Optional(Type.String({ minLength: 1, description: 'Counter namespace; entries with the same name share counters. Default: the route name (or "global").' })),
    onStoreError: Type.Optional(Type.Enum(['allow', 'deny'], { description: 'When the store cannot answer: allow (fail open) or deny with 503 (fail closed); default allow.' })),
    headers: Type.Optional(Type.Boolean({ description: 'Send RateLimit-Policy and RateLimit headers on every response; default true.' })),
  },
  { additionalProperties: false },
)
