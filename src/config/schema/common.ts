// Schema building blocks shared by every section of the config: strict objects, durations, sizes.
// Each carries an `x-expected` phrase so validation errors read "expected a duration like 10s".
import Type, { type TSchema, type TProperties, type TObject } from 'typebox'
import { DURATION_PATTERN, parseDuration } from '../duration.js'

/** An object whose unknown keys are errors: a typo in YAML must never be silently ignored. */
export function strictObject<P extends TProperties>(properties: P, options: Record<string, unknown> = {}): TObject<P> {
  return Type.Object(properties, { additionalProperties: false, ...options })
}

/** A duration string like `250ms`, `10s`, `1m`; decodes to milliseconds. */
export function Duration(description: string) {
  return Type.Codec(Type.String({ pattern: DURATION_PATTERN, description, 'x-expected': 'a duration like 250ms, 10s or 1m' }))
    .Decode((text: string) => parseDuration(text) as number)
    .Encode((ms: number) => `${ms}ms`)
}

const SIZE_UNITS: Record<string, number> = { b: 1, kb: 1024, kib: 1024, mb: 1024 ** 2, mib: 1024 ** 2, gb: 1024 ** 3, gib: 1024 ** 3 }
const SIZE_PATTERN = '^[0-9]+(\\.[0-9]+)?\\s*([kKmMgG]i?)?[bB]?$'

/** Parses `512`, `16kb`, `1MiB`, `2GB` into bytes (binary multiples, as nginx does). */
export function parseSize(text: string | number): number {
  if (typeof text === 'number') return text
  const match = /^([0-9]+(?:\.[0-9]+)?)\s*([a-zA-Z]*)$/.exec(text.trim())
  if (!match) return Number.NaN
  const unit = (match[2] ?? '').toLowerCase()
  const multiplier = unit === '' ? 1 : SIZE_UNITS[unit.endsWith('b') ? unit : `${unit}b`]
  return multiplier === undefined ? Number.NaN : Math.round(Number(match[1]) * multiplier)
}

/** A size in bytes: an integer, or a string like `16kb` or `10MiB`; decodes to bytes. */
export function Size(description: string) {
  return Type.Codec(
    Type.Union([Type.Integer({ minimum: 0 }), Type.String({ pattern: SIZE_PATTERN, 'x-expected': 'a size like 16384, 16kb or 10mb' })], {
      description,
      'x-expected': 'a size like 16384, 16kb or 10mb',
    }),
  )
    .Decode((value: string | number) => parseSize(value))
    .Encode((bytes: number) => bytes)
}

/** A string that is one of a closed set, reported as "one of: a, b, c". */
export function OneOf<const T extends string[]>(values: [...T], description: string) {
  return Type.Enum(values, { description })
}

/** A list that may be written as a single value in YAML (`host: a.com` or `host: [a.com, b.com]`). */
export function OneOrMany<T extends TSchema>(item: T, description: string) {
  return Type.Union([item, Type.Array(item, { minItems: 1 })], { description })
}

/** A header field name (RFC 9110 §5.1 token). */
export function HeaderName(description = 'A header name.') {
  return Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$", description, 'x-expected': 'a header name (letters, digits and !#$%&\'*+.^_`|~-)' })
}

/** A header field value: no line breaks or NUL, which could split or smuggle a message. */
export function HeaderValue(description = 'A header value.') {
  return Type.String({ pattern: '^[^\\r\\n\\u0000]*$', description, 'x-expected': 'a header value without line breaks' })
}
