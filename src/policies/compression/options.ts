// Options of the `compression` policy: which codings, from what size, for which content types and
// at what effort. Defaults favour speed (brotli quality 4) since a gateway compresses on the fly.
import Type from 'typebox'
import { Size, strictObject } from '../../config/schema/common.js'

export const DEFAULT_ALGORITHMS = ['br', 'gzip'] as const
export const DEFAULT_MIN_SIZE = 1024
export const DEFAULT_LEVELS = { br: 4, gzip: 6, deflate: 6 } as const
/** Text-like types that compress well; images, video and archives are compressed already. */
export const DEFAULT_CONTENT_TYPES = [
  'text/*',
  'application/json',
  'application/*+json',
  'application/javascript',
  'application/xml',
  'application/*+xml',
  'application/wasm',
  'application/x-ndjson',
  'image/svg+xml',
  'image/x-icon',
  'font/ttf',
  'font/otf',
] as const
/**
 * Streaming types: each write (an event, a line of JSON) is flushed out of the compressor at once,
 * so a client reads it as it happens instead of when zlib's buffer fills or the stream ends.
 */
export const DEFAULT_STREAMING_TYPES = ['text/event-stream', 'application/x-ndjson', 'application/stream+json', 'application/jsonl'] as const

const MEDIA_RANGE = '^[A-Za-z0-9!#$&^_.+-]+/(\\*|\\*\\+[A-Za-z0-9!#$&^_.+-]+|[A-Za-z0-9!#$&^_.+-]+)$'

export const CompressionOptions = strictObject({
  algorithms: Type.Optional(
    Type.Array(Type.Enum(['br', 'gzip', 'deflate']), {
      minItems: 1,
      uniqueItems: true,
      'x-expected': 'a list of distinct codings from br, gzip, deflate',
      description: 'Codings offered, in preference order for equal client q-values; default [br, gzip].',
    }),
  ),
  minSize: Type.Optional(Size('Bodies with a known length below this are sent as they are; default 1kb.')),
  contentTypes: Type.Optional(
    Type.Array(Type.String({ pattern: MEDIA_RANGE, 'x-expected': 'a media type like text/html, text/* or application/*+json' }), {
      minItems: 1,
      description: 'Media types to compress (`text/*`, `application/*+json` allowed); default text and JSON/XML/JS types. `text/event-stream` only when listed exactly.',
    }),
  ),
  streamingTypes: Type.Optional(
    Type.Array(Type.String({ pattern: MEDIA_RANGE, 'x-expected': 'a media type like text/event-stream, text/* or application/*+json' }), {
      description: 'Compressed media types flushed at every write (Z_SYNC_FLUSH / BROTLI_OPERATION_FLUSH), so each event or line reaches the client at once; default text/event-stream, application/x-ndjson, application/stream+json, application/jsonl. [] flushes none.',
    }),
  ),
  level: Type.Optional(
    strictObject(
      {
        br: Type.Optional(Type.Integer({ minimum: 0, maximum: 11, description: 'Brotli quality 0–11; default 4.' })),
        gzip: Type.Optional(Type.Integer({ minimum: 1, maximum: 9, description: 'gzip level 1–9; default 6.' })),
        deflate: Type.Optional(Type.Integer({ minimum: 1, maximum: 9, description: 'deflate level 1–9; default 6.' })),
      },
      { description: 'Compression effort per coding: higher is smaller and slower.' },
    ),
  ),
})
