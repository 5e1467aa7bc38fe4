// Schema of a policy list. Each entry is a one-key object `{ <policyName>: options }` (or
// `{ module: ./file.js, options: {...} }`); the options are checked in a second step against that
// policy's own schema, so an error names the exact key instead of a union of every policy.
import Type from 'typebox'

export const PolicyEntrySchema = Type.Record(Type.String(), Type.Unknown(), {
  minProperties: 1,
  'x-expected': 'a policy entry like { rateLimit: { limit: 100, window: 1m } }',
})

export const PolicyListSchema = Type.Array(PolicyEntrySchema, { description: 'Policies applied in stage order; see the policy reference.' })
