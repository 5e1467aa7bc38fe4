// Schema of `admin:` and `metrics:`: the operator's side of the gateway (health probes, Prometheus
// metrics, config and cache operations). Separate from listeners so traffic never reaches it.
import Type from 'typebox'
import { strictObject } from './common.js'

export const AdminSchema = strictObject(
  {
    port: Type.Optional(Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port of the admin API; default 9901 (0 picks a free port).', 'x-expected': 'a port number from 0 to 65535' })),
    host: Type.Optional(Type.String({ minLength: 1, description: 'Address to bind; default 127.0.0.1. Use 0.0.0.0 in a container so probes can reach it.' })),
    token: Type.Optional(
      Type.String({
        minLength: 16,
        description: 'Require `Authorization: Bearer <token>` on every endpoint except /healthz and /readyz. Write it as ${PORTICO_ADMIN_TOKEN}.',
        'x-expected': 'a token of at least 16 characters',
      }),
    ),
  },
  { description: 'The admin API (health, metrics, config, routes, services, cache purge); absent = no admin server.' },
)

export const MetricsSchema = strictObject(
  {
    enabled: Type.Optional(Type.Boolean({ description: 'Record request metrics (served on the admin API at /metrics); default true.' })),
  },
  { description: 'Prometheus metrics.' },
)
