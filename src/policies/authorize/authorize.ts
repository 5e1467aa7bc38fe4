// `authorize`: who may call this route, decided after authentication. Allow-lists of consumers
// and groups (either matches), and claims the verified JWT must carry (every listed value; a
// space-separated string such as OAuth `scope` counts as a list). No identity → 401; an identity
// without the right → 403.
import Type from 'typebox'
import { forbidden, unauthorized } from '../../exchange/auth-replies.js'
import { claimsKey, consumerKey } from '../../exchange/consumer.js'
import { definePolicy } from '../../pipeline/policy.js'

export const AuthorizeOptions = Type.Object(
  {
    consumers: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Consumers allowed (by name).' })),
    groups: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Consumer groups allowed.' })),
    authenticated: Type.Optional(Type.Literal(true, { description: 'Any authenticated caller may pass (useful after optional authentication).' })),
    requireClaims: Type.Optional(Type.Record(Type.String(), Type.Array(Type.String(), { minItems: 1 }), { description: 'JWT claims and the values each must include: `{ scope: [orders:read] }`.' })),
  },
  { additionalProperties: false, minProperties: 1, 'x-expected': 'authenticated, consumers, groups and/or requireClaims' },
)

export const authorize = definePolicy({
  name: 'authorize',
  stage: 'authorize',
  options: AuthorizeOptions,
  create(options) {
    const consumers = options.consumers === undefined ? undefined : new Set(options.consumers)
    const groups = options.groups === undefined ? undefined : new Set(options.groups)
    const claims = Object.entries(options.requireClaims ?? {})
    return {
      onRequest(ex) {
        const consumer = ex.state.get(consumerKey)
        const payload = ex.state.get(claimsKey)
        if (consumer === undefined && payload === undefined) return unauthorized(ex, 'Bearer realm="portico"', 'authorize: no authenticated consumer')
        if (consumers !== undefined || groups !== undefined) {
          const byName = consumer !== undefined && consumers?.has(consumer.name) === true
          const byGroup = consumer !== undefined && groups !== undefined && [...consumer.groups].some((g) => groups.has(g))
          if (!byName && !byGroup) return forbidden(ex, `authorize: ${consumer?.name ?? 'caller'} is not allowed on this route`)
        }
        for (const [claim, wanted] of claims) {
          const present = claimValues(payload?.[claim])
          const missing = wanted.filter((value) => !present.has(value))
          if (missing.length > 0) return forbidden(ex, `authorize: claim ${claim} lacks ${missing.join(', ')}`)
        }
        return undefined
      },
    }
  },
})

function claimValues(value: unknown): Set<string> {
  if (typeof value === 'string') return new Set(value.split(/\s+/).filter(Boolean))
  if (Array.isArray(value)) return new Set(value.map(String))
  if (value === undefined || value === null) return new Set()
  return new Set([String(value)])
}
