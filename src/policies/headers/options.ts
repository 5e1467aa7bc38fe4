// Options shared by requestHeaders and responseHeaders.
import Type from 'typebox'
import { HeaderName, HeaderValue } from '../../config/schema/common.js'

export const HeaderEditOptions = Type.Object(
  {
    set: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), HeaderValue(), { description: 'Headers to set, replacing any value.' })),
    add: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), HeaderValue(), { description: 'Headers to append (kept alongside existing values).' })),
    remove: Type.Optional(Type.Array(HeaderName(), { description: 'Header names to remove.' })),
  },
  { additionalProperties: false, minProperties: 1, 'x-expected': 'at least one of set, add, remove' },
)
