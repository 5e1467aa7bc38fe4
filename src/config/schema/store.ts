// Schema of `store:`: where shared state (rate-limit counters, cached responses) lives. Memory is
// right for one instance; replicas must share Redis for limits and cache to hold across them.
import Type from 'typebox'
import { Size, strictObject } from './common.js'

export const StoreSchema = Type.Union(
  [
    strictObject({
      type: Type.Literal('memory'),
      cacheMaxSize: Type.Optional(Size('Most bytes of cached responses kept in memory; default 64mb.')),
    }),
    strictObject({
      type: Type.Literal('redis'),
      url: Type.String({ pattern: '^rediss?://', description: 'Redis URL, e.g. redis://127.0.0.1:6379/0.', 'x-expected': 'a redis:// or rediss:// URL' }),
      prefix: Type.Optional(Type.String({ description: 'Prefix of every key Portico writes; default "portico:".' })),
    }),
  ],
  { description: 'Shared state: `{ type: memory }` (default) or `{ type: redis, url }`.', 'x-expected': '{ type: memory } or { type: redis, url: redis://host:6379 }' },
)
