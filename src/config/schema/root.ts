// The whole config document. `GatewayConfig` is derived from this schema, and `portico schema`
// prints it, so the types, the validation and the editor autocompletion can never disagree.
import Type, { type StaticDecode } from 'typebox'
import { AdminSchema, MetricsSchema } from './admin.js'
import { TracingSchema } from './tracing.js'
import { Duration, Size, strictObject } from './common.js'
import { ConsumerSchema } from './consumer.js'
import { ListenerSchema } from './listener.js'
import { PolicyListSchema } from './policy-entry.js'
import { RouteSchema } from './route.js'
import { ServiceSchema } from './service.js'
import { StoreSchema } from './store.js'

export const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.-]*$'

export const ServerSchema = strictObject({
  headerTimeout: Type.Optional(Duration('Time a client has to send the request headers; default 10s (then 408).')),
  requestTimeout: Type.Optional(Duration('Time a client has to send the whole request; default 60s (then 408).')),
  keepAliveTimeout: Type.Optional(Duration('Idle time before a client keep-alive connection is closed; default 5s.')),
  maxHeaderSize: Type.Optional(Size('Largest request head (request line and headers); default 16kb (then 431).')),
  maxHeaderCount: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Most request header fields; default 100 (then 431).' })),
  maxUrlLength: Type.Optional(Size('Longest request target (path and query); default 8kb (then 414).')),
  trustedProxies: Type.Optional(
    Type.Array(Type.String({ minLength: 1 }), { description: 'Addresses or CIDRs of proxies in front of Portico whose X-Forwarded-For / Forwarded headers are believed; default none.' }),
  ),
})

export const ShutdownSchema = strictObject({
  drainTimeout: Type.Optional(Duration('On SIGTERM, how long in-flight requests may take to finish; default 30s.')),
})

export const LoggingSchema = strictObject({
  level: Type.Optional(Type.Enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'], { description: 'Log level; default info.' })),
  accessLog: Type.Optional(Type.Boolean({ description: 'One JSON line per request; default true.' })),
})

export const GatewayConfigSchema = strictObject(
  {
    workers: Type.Optional(
      Type.Union([Type.Literal('auto'), Type.Integer({ minimum: 1, maximum: 256 })], {
        description: 'Worker processes: `auto` (one per core, the default) or a number; 1 runs in one process.',
        'x-expected': '"auto" or a number of workers',
      }),
    ),
    listeners: Type.Array(ListenerSchema, { minItems: 1, description: 'Ports Portico accepts connections on.' }),
    services: Type.Optional(Type.Record(Type.String({ pattern: NAME_PATTERN }), ServiceSchema, { description: 'Upstream services by name.' })),
    routes: Type.Array(RouteSchema, { description: 'Routes; the most specific match wins (see the routing rules).' }),
    policies: Type.Optional(PolicyListSchema),
    consumers: Type.Optional(Type.Array(ConsumerSchema, { description: 'Known API consumers (for apiKey, basicAuth, jwt and authorize).' })),
    store: Type.Optional(StoreSchema),
    server: Type.Optional(ServerSchema),
    shutdown: Type.Optional(ShutdownSchema),
    logging: Type.Optional(LoggingSchema),
    admin: Type.Optional(AdminSchema),
    metrics: Type.Optional(MetricsSchema),
    tracing: Type.Optional(TracingSchema),
  },
  { $id: 'https://portico.dev/schema/portico.json', title: 'Portico gateway configuration' },
)

/** The validated config with durations and sizes decoded to numbers (ms, bytes). */
export type GatewayConfig = StaticDecode<typeof GatewayConfigSchema>
export type ServiceConfig = StaticDecode<typeof ServiceSchema>
export type RouteConfig = StaticDecode<typeof RouteSchema>
export type ListenerConfig = StaticDecode<typeof ListenerSchema>
export type PolicyEntryConfig = Record<string, unknown>
export type ConsumerConfig = StaticDecode<typeof ConsumerSchema>
export type StoreConfig = StaticDecode<typeof StoreSchema>
export type AdminConfig = StaticDecode<typeof AdminSchema>
export type TracingConfig = StaticDecode<typeof TracingSchema>
