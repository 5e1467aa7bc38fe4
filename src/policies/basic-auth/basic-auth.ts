// `basicAuth`: HTTP Basic authentication (RFC 7617) against the consumers' password hashes.
// Hashing is deliberately slow, so a verified user:password pair is remembered (by its SHA-256,
// for a short time) to spare the CPU on every request; unknown users still pay one hash, so a
// response's timing does not reveal which user names exist.
import Type from 'typebox'
import { clearIdentityHeaders, forwardConsumer, unauthorized } from '../../exchange/auth-replies.js'
import { consumerKey, sha256Hex, type Consumer } from '../../exchange/consumer.js'
import { definePolicy } from '../../pipeline/policy.js'
import { Duration } from '../../config/schema/common.js'
import { verifyPassword } from './password-hash.js'

export const BasicAuthOptions = Type.Object(
  {
    realm: Type.Optional(Type.String({ pattern: '^[^"\\\\\\r\\n\\u0000]*$', description: 'Realm shown by browsers; default portico.', 'x-expected': 'text without quotes, backslashes or line breaks' })),
    forwardHeader: Type.Optional(Type.String({ minLength: 1, description: "Header that carries the consumer's name upstream; default x-consumer." })),
    cacheFor: Type.Optional(Duration('How long a verified password is remembered; default 60s.')),
  },
  { additionalProperties: false },
)

/** A bcrypt hash of a random string, checked for unknown users so they cost as much as known ones. */
const DUMMY_HASH = '$2b$10$CwTycUXWue0Thq9StjUM0uJ8.pJ2LM5f1xqZqZlBVyyQDNnX7EKBa'
const MAX_REMEMBERED = 10_000

export const basicAuth = definePolicy({
  name: 'basicAuth',
  stage: 'authenticate',
  options: BasicAuthOptions,
  create(options, env) {
    const challenge = `Basic realm="${options.realm ?? 'portico'}", charset="UTF-8"`
    const forwardHeader = (options.forwardHeader ?? 'x-consumer').toLowerCase()
    const cacheMs = options.cacheFor ?? 60_000
    const verified = new Map<string, { consumer: Consumer; until: number }>()
    const identityHeaders = [forwardHeader, `${forwardHeader}-groups`]
    return {
      async onRequest(ex) {
        clearIdentityHeaders(ex, identityHeaders)
        const header = ex.request.header('authorization')
        const match = header === undefined ? null : /^Basic[ \t]+([A-Za-z0-9+/=]+)[ \t]*$/i.exec(header)
        if (match === null) return unauthorized(ex, challenge, 'no basic credentials')
        const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8')
        const colon = decoded.indexOf(':')
        if (colon < 0) return unauthorized(ex, challenge, 'malformed basic credentials')
        const username = decoded.slice(0, colon)
        const cacheKey = sha256Hex(decoded)
        const now = env.now()
        const remembered = verified.get(cacheKey)
        let consumer = remembered !== undefined && remembered.until > now ? remembered.consumer : undefined
        if (consumer === undefined) {
          const entry = env.consumers.byUsername(username)
          const ok = await verifyPassword(decoded.slice(colon + 1), entry?.passwordHash ?? DUMMY_HASH)
          if (!ok || entry === undefined) return unauthorized(ex, challenge, entry === undefined ? `unknown user ${JSON.stringify(username)}` : `wrong password for ${JSON.stringify(username)}`)
          consumer = entry.consumer
          if (verified.size >= MAX_REMEMBERED) verified.clear()
          verified.set(cacheKey, { consumer, until: now + cacheMs })
        }
        ex.state.set(consumerKey, consumer)
        ex.upstreamRequest.headers.delete('authorization')
        forwardConsumer(ex, forwardHeader, consumer)
        return undefined
      },
    }
  },
})
