// Options of the `jwt` policy. Exactly one key source: a JWKS URL, a PEM public key, or an HMAC
// secret; the allowed algorithms must suit that key (checked at load, see jwt-auth.ts).
import Type from 'typebox'
import { Duration } from '../../config/schema/common.js'

export const JWT_ALGORITHMS = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA', 'HS256', 'HS384', 'HS512'] as const

const OneOrMore = (description: string) => Type.Union([Type.String({ minLength: 1 }), Type.Array(Type.String({ minLength: 1 }), { minItems: 1 })], { description })

export const JwtOptions = Type.Object(
  {
    jwksUrl: Type.Optional(Type.String({ pattern: '^https?://', description: 'URL of a JSON Web Key Set; keys are cached and refetched on an unknown `kid`.' })),
    publicKey: Type.Optional(Type.String({ minLength: 1, description: 'PEM public key (or a path to one) for RS/PS/ES/EdDSA tokens.' })),
    secret: Type.Optional(Type.String({ minLength: 32, description: 'HMAC secret (at least 32 characters) for HS256/384/512 tokens; use ${ENV}.' })),
    algorithms: Type.Optional(Type.Array(Type.Enum([...JWT_ALGORITHMS]), { minItems: 1, description: 'Accepted algorithms; default RS256 and ES256 for public keys, HS256 for a secret. `none` is never accepted.' })),
    issuer: Type.Optional(OneOrMore('Required `iss` (one of).')),
    audience: Type.Optional(OneOrMore('Required `aud` (one of).')),
    requireExp: Type.Optional(Type.Boolean({ description: 'Refuse tokens without `exp`; default true.' })),
    clockSkew: Type.Optional(Duration('Tolerance for exp/nbf/iat; default 30s.')),
    requiredClaims: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Claims that must be present.' })),
    forwardClaims: Type.Optional(Type.Record(Type.String(), Type.String({ pattern: '^[A-Za-z0-9-]+$' }), { description: 'Claims sent upstream as headers: `{ sub: x-user-id }`.' })),
    consumerClaim: Type.Optional(Type.String({ minLength: 1, description: 'Claim naming the consumer (for rate limits, logs, authorize); default sub.' })),
    header: Type.Optional(Type.String({ minLength: 1, description: 'Header with `Bearer <token>`; default authorization.' })),
    cookie: Type.Optional(Type.String({ minLength: 1, description: 'Cookie that may carry the token when the header is absent.' })),
    jwksMaxAge: Type.Optional(Duration('Longest a fetched key set is trusted before it is fetched again; default 10m.')),
    jwksCooldown: Type.Optional(Duration('Least time between two fetches (unknown `kid`s cannot hammer the issuer); default 30s.')),
    jwksTimeout: Type.Optional(Duration('Timeout of a key set fetch; default 5s.')),
    optional: Type.Optional(Type.Boolean({ description: 'Let requests without a token through unauthenticated (an invalid token is still refused); default false.' })),
    hideCredentials: Type.Optional(Type.Boolean({ description: 'Remove the token header before forwarding (services then see only forwarded claims); default false.' })),
  },
  { additionalProperties: false },
)
