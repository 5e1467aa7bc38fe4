// Options of the `cache` policy (RFC 9111 shared cache in front of a route).
import Type from 'typebox'
import { Duration, Size } from '../../config/schema/common.js'

export const ResponseCacheOptions = Type.Object(
  {
    ttl: Type.Optional(Duration('Freshness for cacheable responses that give none (no max-age, s-maxage or Expires); default 0 (not cached).')),
    maxObjectSize: Type.Optional(Size('Largest body stored; bigger ones stream through uncached. Default 1mb.')),
    keyBy: Type.Optional(
      Type.Array(Type.String({ pattern: '^(consumer|header:[A-Za-z0-9-]+)$', 'x-expected': 'consumer or header:<name>' }), {
        description: 'Additions to the key (method + URL): consumer, header:<name>. Vary from the upstream is always honoured.',
      }),
    ),
    staleWhileRevalidate: Type.Optional(Duration('Serve a stale entry this long while it is refreshed in the background (when the response does not say); default 0.')),
    staleIfError: Type.Optional(Duration('Serve a stale entry this long when the upstream fails (when the response does not say); default 0.')),
    coalesce: Type.Optional(Type.Boolean({ description: 'A burst of misses for one key makes one upstream request (per instance); default true.' })),
  },
  { additionalProperties: false },
)
