// Schema of `services:`: named groups of upstream targets with balancing and resilience settings.
import Type from 'typebox'
import { Duration, OneOf, strictObject } from './common.js'

const TARGET_URL = '^https?://[^/?#\\s]+/?$'

export const TargetSchema = Type.Union(
  [
    Type.String({ pattern: TARGET_URL }),
    strictObject({
      url: Type.String({ pattern: TARGET_URL, 'x-expected': 'an http:// or https:// origin like http://10.0.0.5:8080' }),
      weight: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, description: 'Relative share of traffic; default 1.' })),
    }),
  ],
  { 'x-expected': 'an http:// or https:// origin like http://10.0.0.5:8080, or { url, weight }' },
)

export const BALANCE_ALGORITHMS = ['round-robin', 'least-request', 'random', 'ip-hash', 'header-hash'] as const

export const HealthCheckSchema = strictObject({
  path: Type.String({ pattern: '^/', description: 'Path probed with GET on every target.', 'x-expected': 'a path starting with /' }),
  interval: Type.Optional(Duration('Time between probes; default 5s.')),
  timeout: Type.Optional(Duration('A probe slower than this fails; default 2s.')),
  unhealthyAfter: Type.Optional(Type.Integer({ minimum: 1, description: 'Consecutive failed probes that take a target out; default 3.' })),
  healthyAfter: Type.Optional(Type.Integer({ minimum: 1, description: 'Consecutive good probes that bring it back; default 2.' })),
  expectStatus: Type.Optional(Type.Array(Type.Integer({ minimum: 100, maximum: 599 }), { minItems: 1, description: 'Statuses counted as healthy; default any 2xx or 3xx.' })),
})

export const PassiveHealthSchema = strictObject({
  failures: Type.Optional(Type.Integer({ minimum: 1, description: 'Consecutive failures (connect error, reset, timeout, 5xx) that eject a target; default 3.' })),
  ejectFor: Type.Optional(Duration('How long an ejected target is skipped; default 30s.')),
})

export const CircuitBreakerSchema = strictObject({
  failures: Type.Integer({ minimum: 1, description: 'Consecutive failed requests to the service that open the circuit.' }),
  cooldown: Type.Optional(Duration('Time the circuit stays open before one trial request; default 30s.')),
})

export const UpstreamTlsSchema = strictObject({
  ca: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of CAs trusted for https targets; default: the system CAs.' })),
  servername: Type.Optional(Type.String({ minLength: 1, description: 'SNI name sent to the target and checked against its certificate; default: the target host.' })),
  cert: Type.Optional(Type.String({ minLength: 1, description: 'Client certificate (PEM) for mutual TLS to the target.' })),
  key: Type.Optional(Type.String({ minLength: 1, description: 'Private key (PEM) of that client certificate.' })),
  insecureSkipVerify: Type.Optional(Type.Boolean({ description: 'Do not verify the target certificate. Never the default; logged as a warning at every load.' })),
})

export const ServiceSchema = strictObject({
  targets: Type.Array(TargetSchema, { minItems: 1, description: 'Upstream origins of this service.' }),
  balance: Type.Optional(OneOf([...BALANCE_ALGORITHMS], 'Load-balancing algorithm; default round-robin.')),
  hashHeader: Type.Optional(Type.String({ minLength: 1, description: 'Request header hashed by `balance: header-hash`.' })),
  timeout: Type.Optional(Duration('Deadline for the upstream response headers, across all attempts; default 30s.')),
  connectTimeout: Type.Optional(Duration('Deadline for a TCP (and TLS) connection; default 5s.')),
  perTryTimeout: Type.Optional(Duration('Deadline for the response headers of one attempt; default: the whole timeout.')),
  idleTimeout: Type.Optional(Duration('Longest silence while streaming a response body; default 60s.')),
  retries: Type.Optional(Type.Integer({ minimum: 0, maximum: 10, description: 'Extra attempts on another target; default 1. Only for idempotent requests, or when the request was never sent.' })),
  retryOn: Type.Optional(Type.Array(Type.Integer({ minimum: 500, maximum: 599 }), { description: 'Upstream statuses that are retried (idempotent requests only); default none.' })),
  connections: Type.Optional(Type.Integer({ minimum: 1, description: 'Most keep-alive connections per target; default 256.' })),
  keepAliveTimeout: Type.Optional(Duration('How long an idle upstream connection is kept; default 4s.')),
  healthCheck: Type.Optional(HealthCheckSchema),
  passiveHealth: Type.Optional(Type.Union([PassiveHealthSchema, Type.Literal(false)], { 'x-expected': '{ failures, ejectFor } or false' })),
  circuitBreaker: Type.Optional(CircuitBreakerSchema),
  tls: Type.Optional(UpstreamTlsSchema),
})
