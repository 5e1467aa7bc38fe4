// `apiKey`: authenticates a consumer by an API key from a header or a query parameter. The key is
// looked up by its SHA-256 digest (keys are never kept in the clear) and compared in constant
// time; the key is removed before forwarding, and the consumer's name is sent upstream instead.
import Type from 'typebox'
import { consumerKey } from '../../exchange/consumer.js'
import type { Exchange } from '../../exchange/exchange.js'
import { definePolicy } from '../../pipeline/policy.js'
import { clearIdentityHeaders, forwardConsumer, unauthorized } from '../../exchange/auth-replies.js'

export const ApiKeyOptions = Type.Object(
  {
    header: Type.Optional(Type.String({ minLength: 1, description: 'Header carrying the key; default x-api-key.' })),
    query: Type.Optional(Type.String({ minLength: 1, description: 'Query parameter carrying the key (when no header is sent); default: not read.' })),
    forwardHeader: Type.Optional(Type.String({ minLength: 1, description: "Header that carries the consumer's name upstream; default x-consumer." })),
    optional: Type.Optional(Type.Boolean({ description: 'Let requests without a key through unauthenticated (an invalid key is still refused); default false.' })),
  },
  { additionalProperties: false },
)

export const apiKeyAuth = definePolicy({
  name: 'apiKey',
  stage: 'authenticate',
  options: ApiKeyOptions,
  create(options, env) {
    const header = (options.header ?? 'x-api-key').toLowerCase()
    const query = options.query
    const forwardHeader = (options.forwardHeader ?? 'x-consumer').toLowerCase()
    const challenge = `ApiKey realm="portico", header="${header}"`
    const identityHeaders = [forwardHeader, `${forwardHeader}-groups`]
    return {
      onRequest(ex) {
        clearIdentityHeaders(ex, identityHeaders)
        const fromHeader = ex.request.header(header)
        const key = fromHeader ?? (query !== undefined ? (ex.request.searchParams.get(query) ?? undefined) : undefined)
        if (key === undefined || key === '') {
          if (options.optional === true) return undefined
          return unauthorized(ex, challenge, 'no API key')
        }
        const consumer = env.consumers.byApiKey(key)
        if (consumer === undefined) return unauthorized(ex, challenge, 'unknown API key')
        ex.state.set(consumerKey, consumer)
        hideKey(ex, header, fromHeader === undefined ? query : undefined)
        forwardConsumer(ex, forwardHeader, consumer)
        return undefined
      },
    }
  },
})

/** The key must never reach the upstream: drop the header, or the query parameter it came in. */
function hideKey(ex: Exchange, header: string, queryParam: string | undefined): void {
  const upstream = ex.upstreamRequest
  upstream.headers.delete(header)
  if (queryParam === undefined) return
  const [path, search = ''] = upstream.path.split('?', 2) as [string, string?]
  const params = new URLSearchParams(search)
  params.delete(queryParam)
  const rest = params.toString()
  upstream.path = rest === '' ? path : `${path}?${rest}`
}

