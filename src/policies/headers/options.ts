// Options shared by requestHeaders and responseHeaders.
import Type from 'typebox'

export const HeaderEditOptions = Type.Object(
  {
    set: Type.Optional(Type.Record(Type.String({ pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' }), Type.String(), { description: 'Headers to set, replacing any value.' })),
    add: Type.Optional(Type.Record(Type.String({ pattern: '^[!#$%&\'*+.^_`|~0-9A-Za-z-]+$' }), Type.String(), { description: 'Headers to append (kept alongside existing values).' })),
    remove: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Header names to remove.' })),
  },
  { additionalProperties: false, minProperties: 1, 'x-expected': 'at least one of set, add, remove' },
)
