// `cors`: Cross-Origin Resource Sharing at the gateway (Fetch standard, "CORS protocol").
// Preflights (OPTIONS with Access-Control-Request-Method) are answered here and never reach the
// service; actual responses get the allow headers on the way out, local replies (401, 429...)
// included. `Vary: Origin` is set whenever the answer depends on the Origin.
import Type from 'typebox'
import { LocalReply } from '../../exchange/local-reply.js'
import type { HeaderList } from '../../exchange/header-list.js'
import { definePolicy } from '../../pipeline/policy.js'
import { Duration } from '../../config/schema/common.js'

export const CorsOptions = Type.Object(
  {
    origins: Type.Array(Type.String({ minLength: 1 }), { minItems: 1, description: 'Allowed origins: exact (`https://app.example.com`), with a wildcard label (`https://*.example.com`), or `*`.' }),
    methods: Type.Optional(Type.Array(Type.String({ pattern: '^[A-Z]+$' }), { description: 'Methods allowed cross-origin; default GET, HEAD, PUT, PATCH, POST, DELETE.' })),
    allowHeaders: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Request headers allowed; default: whatever the preflight asks for.' })),
    exposeHeaders: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Response headers scripts may read.' })),
    credentials: Type.Optional(Type.Boolean({ description: 'Allow cookies and credentials (the origin is then echoed, never `*`); default false.' })),
    maxAge: Type.Optional(Duration('How long browsers may cache a preflight; default 10m.')),
  },
  { additionalProperties: false },
)

export const cors = definePolicy({
  name: 'cors',
  stage: 'edge',
  options: CorsOptions,
  create(options) {
    const anyOrigin = options.origins.includes('*')
    // Any origin *with* credentials would let every site read a user's authenticated answers.
    if (anyOrigin && options.credentials === true) throw new Error('origins "*" cannot be combined with credentials: true; list the origins')
    const exact = new Set(options.origins.filter((o) => !o.includes('*')).map((o) => o.toLowerCase()))
    const patterns = options.origins.filter((o) => o !== '*' && o.includes('*')).map(originPattern)
    const allowed = (origin: string): boolean => anyOrigin || exact.has(origin.toLowerCase()) || patterns.some((p) => p.test(origin))
    const credentials = options.credentials === true
    const methods = new Set(options.methods ?? ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'])
    const methodList = [...methods].join(', ')
    const allowHeaders = options.allowHeaders?.map((h) => h.toLowerCase())
    const exposeHeaders = options.exposeHeaders?.join(', ')
    const maxAge = String(Math.round((options.maxAge ?? 600_000) / 1000))
    // With `*` and no credentials the answer is the same for every origin, so no Vary is needed.
    const varies = !anyOrigin || credentials
    const allowOriginFor = (origin: string): string => (anyOrigin && !credentials ? '*' : origin)
    return {
      onRequest(ex) {
        const origin = ex.request.header('origin')
        const requestedMethod = ex.request.header('access-control-request-method')
        if (ex.request.method !== 'OPTIONS' || origin === undefined || requestedMethod === undefined) return undefined
        // A preflight: answer it here.
        const requestedHeaders = (ex.request.header('access-control-request-headers') ?? '').split(',').map((h) => h.trim().toLowerCase()).filter(Boolean)
        const headersOk = allowHeaders === undefined || requestedHeaders.every((h) => allowHeaders.includes(h))
        if (!allowed(origin) || !methods.has(requestedMethod) || !headersOk) {
          ex.logDetail = `cors: preflight refused for origin ${origin}`
          return withVaryOrigin(LocalReply.fromCode('ERR_CORS_FORBIDDEN'))
        }
        const headers: Record<string, string> = {
          'access-control-allow-origin': allowOriginFor(origin),
          'access-control-allow-methods': methodList,
          'access-control-max-age': maxAge,
          vary: 'Origin, Access-Control-Request-Method, Access-Control-Request-Headers',
        }
        const allowList = allowHeaders?.join(', ') ?? requestedHeaders.join(', ')
        if (allowList !== '') headers['access-control-allow-headers'] = allowList
        if (credentials) headers['access-control-allow-credentials'] = 'true'
        return new LocalReply(204, null, headers)
      },
      onResponseHeaders(ex) {
        const response = ex.response
        if (response === undefined || response.headers.has('access-control-allow-origin')) return
        const origin = ex.request.header('origin')
        if (varies) appendVary(response.headers, 'Origin')
        if (origin === undefined || !allowed(origin)) return
        response.headers.set('access-control-allow-origin', allowOriginFor(origin))
        if (credentials) response.headers.set('access-control-allow-credentials', 'true')
        if (exposeHeaders !== undefined) response.headers.set('access-control-expose-headers', exposeHeaders)
      },
    }
  },
})

function withVaryOrigin(reply: LocalReply): LocalReply {
  reply.headers.vary = 'Origin'
  return reply
}

/** `https://*.example.com` → one or more labels in place of `*`, nothing else loosened. */
function originPattern(origin: string): RegExp {
  const escaped = origin.toLowerCase().replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[a-z0-9-]+(?:\\.[a-z0-9-]+)*')
  return new RegExp(`^${escaped}$`, 'i')
}

/** Adds a token to Vary once (RFC 9110 §12.5.5), keeping what is there. */
export function appendVary(headers: HeaderList, token: string): void {
  const current = headers.get('vary')
  if (current === undefined) return headers.set('vary', token)
  if (current.trim() === '*') return
  const tokens = current.split(',').map((t) => t.trim().toLowerCase())
  if (!tokens.includes(token.toLowerCase())) headers.set('vary', `${current}, ${token}`)
}
