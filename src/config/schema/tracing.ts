// Schema of `tracing:`: W3C Trace Context propagation and, optionally, span export over OTLP/HTTP.
import Type from 'typebox'
import { Duration, HeaderValue, strictObject } from './common.js'

export const TracingSchema = strictObject({
  enabled: Type.Optional(Type.Boolean({ description: 'Join or start a trace per request (traceparent upstream, trace id in the access log); default true when this section is present.' })),
  serviceName: Type.Optional(Type.String({ minLength: 1, description: 'service.name of the exported spans; default portico.' })),
  sampleRate: Type.Optional(Type.Number({ minimum: 0, maximum: 1, description: 'Share of new traces that are sampled (exported); an incoming traceparent keeps its own decision. Default 1.' })),
  otlp: Type.Optional(
    strictObject({
      endpoint: Type.String({ pattern: '^https?://', description: 'OTLP/HTTP traces endpoint, e.g. http://otel-collector:4318/v1/traces (JSON encoding).', 'x-expected': 'an http:// or https:// URL' }),
      headers: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), HeaderValue(), { description: 'Headers sent with every export (e.g. an API key).' })),
      batchSize: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000, description: 'Spans per export request; default 256.' })),
      flushInterval: Type.Optional(Duration('Longest a finished span waits before export; default 2s.')),
      maxQueue: Type.Optional(Type.Integer({ minimum: 1, description: 'Spans kept while the collector is slow or down; older ones are dropped first. Default 4096.' })),
    }),
  ),
})
