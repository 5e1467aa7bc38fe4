// W3C trace context through the gateway and span export to a real OTLP/HTTP endpoint on loopback.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { captureLog } from '../helpers/capture-log.js'

interface ExportedSpan {
  traceId: string
  spanId: string
  parentSpanId?: string
  name: string
  kind: number
  startTimeUnixNano: string
  endTimeUnixNano: string
  attributes: Array<{ key: string; value: { stringValue?: string; intValue?: string } }>
  status: { code: number }
}

async function startCollector(): Promise<{ url: string; spans: ExportedSpan[]; serviceNames: string[]; close(): Promise<void> }> {
  const spans: ExportedSpan[] = []
  const serviceNames: string[] = []
  const server = createServer((req, res) => {
    let body = ''
    req.on('data', (chunk: Buffer) => (body += chunk.toString()))
    req.on('end', () => {
      const parsed = JSON.parse(body) as { resourceSpans: Array<{ resource: { attributes: Array<{ value: { stringValue: string } }> }; scopeSpans: Array<{ spans: ExportedSpan[] }> }> }
      for (const resource of parsed.resourceSpans) {
        serviceNames.push(resource.resource.attributes[0]?.value.stringValue ?? '')
        for (const scope of resource.scopeSpans) spans.push(...scope.spans)
      }
      res.end('{}')
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}/v1/traces`, spans, serviceNames, close: () => new Promise((resolve) => server.close(() => resolve())) }
}

test('a traced request: the upstream gets the gateway span as parent, the span is exported, the access log has the trace id', async () => {
  const collector = await startCollector()
  await using upstream = await startUpstream()
  const captured = captureLog()
  await using gw = await startGateway(
    gatewayYaml(`
tracing:
  serviceName: edge-gateway
  otlp: { endpoint: "${collector.url}", flushInterval: 100ms }
services:
  app: { targets: [${upstream.url}] }
routes:
  - name: orders
    match: { path: /orders/* }
    service: app
`).replace('accessLog: false', 'accessLog: true').replace('level: silent', 'level: info'),
    { log: captured.log },
  )
  const incoming = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01'
  const response = await fetchRaw(`${gw.url}/orders/7`, { headers: { traceparent: incoming, tracestate: 'vendor=abc' } })
  const echoed = response.json<EchoBody>()
  const forwarded = String(echoed.headers.traceparent)
  assert.match(forwarded, /^00-4bf92f3577b34da6a3ce929d0e0e4736-[0-9a-f]{16}-01$/)
  const gatewaySpan = forwarded.split('-')[2] as string
  assert.notEqual(gatewaySpan, '00f067aa0ba902b7')
  assert.equal(echoed.headers.tracestate, 'vendor=abc')
  await eventually(() => collector.spans.length === 1, 3000, 'the span export')
  const span = collector.spans[0] as ExportedSpan
  assert.equal(span.traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(span.spanId, gatewaySpan)
  assert.equal(span.parentSpanId, '00f067aa0ba902b7')
  assert.equal(span.name, 'GET orders')
  assert.equal(span.kind, 2)
  assert.ok(BigInt(span.endTimeUnixNano) > BigInt(span.startTimeUnixNano))
  const attribute = (key: string) => span.attributes.find((a) => a.key === key)?.value
  assert.equal(attribute('http.response.status_code')?.intValue, '200')
  assert.equal(attribute('http.route')?.stringValue, 'orders')
  assert.equal(attribute('portico.request_id')?.stringValue, response.headers['x-request-id'])
  assert.deepEqual(collector.serviceNames, ['edge-gateway'])
  const access = captured.lines.find((line) => line.log === 'access')
  assert.equal(access?.traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(access?.spanId, gatewaySpan)
  await collector.close()
})

test('without a traceparent a new trace starts; sampleRate 0 propagates but exports nothing; errors are error spans', async () => {
  const collector = await startCollector()
  await using upstream = await startUpstream()
  await using unsampled = await startGateway(gatewayYaml(`
tracing: { sampleRate: 0, otlp: { endpoint: "${collector.url}", flushInterval: 50ms } }
services:
  app: { targets: [${upstream.url}] }
routes:
  - { match: { path: /* }, service: app }
`))
  const echoed = (await fetchRaw(`${unsampled.url}/x`)).json<EchoBody>()
  assert.match(String(echoed.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/)
  await new Promise((resolve) => setTimeout(resolve, 200))
  assert.equal(collector.spans.length, 0)
  await using sampled = await startGateway(gatewayYaml(`
tracing: { otlp: { endpoint: "${collector.url}", flushInterval: 50ms } }
services:
  gone: { targets: [http://127.0.0.1:9], retries: 0 }
routes:
  - { match: { path: /* }, service: gone }
`))
  assert.equal((await fetchRaw(`${sampled.url}/y`)).status, 502)
  await eventually(() => collector.spans.length === 1, 3000, 'the error span')
  assert.equal(collector.spans[0]?.status.code, 2)
  assert.equal(collector.spans[0]?.parentSpanId, undefined)
  await collector.close()
})

test('a collector that is down costs dropped spans, not failed requests', async () => {
  await using upstream = await startUpstream((_q, r) => r.end('ok'))
  await using gw = await startGateway(gatewayYaml(`
tracing: { otlp: { endpoint: "http://127.0.0.1:9/v1/traces", flushInterval: 20ms, maxQueue: 10 } }
services:
  app: { targets: [${upstream.url}] }
routes:
  - { match: { path: /* }, service: app }
`))
  for (let i = 0; i < 30; i++) assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'ok')
})

test('a collector that accepts but never answers: one export in flight, the queue stays bounded, shutdown is not held', async () => {
  const { OtlpExporter } = await import('../../src/observability/otlp-exporter.js')
  const { silentLogger } = await import('../../src/observability/logger.js')
  const sockets = new Set<import('node:net').Socket>()
  let requests = 0
  const stuck = createServer(() => void requests++)
  stuck.on('connection', (socket) => sockets.add(socket))
  await new Promise<void>((resolve) => stuck.listen(0, '127.0.0.1', resolve))
  const exporter = new OtlpExporter({
    endpoint: `http://127.0.0.1:${(stuck.address() as { port: number }).port}/v1/traces`,
    headers: {},
    serviceName: 'test',
    batchSize: 10,
    flushIntervalMs: 10,
    maxQueue: 100,
    log: silentLogger(),
  })
  const span = { traceId: 'a'.repeat(32), spanId: 'b'.repeat(16), name: 'x', kind: 2, startTimeUnixNano: '1', endTimeUnixNano: '2', attributes: [], status: { code: 0 } }
  for (let i = 0; i < 5000; i++) exporter.add(span)
  await new Promise((resolve) => setTimeout(resolve, 100))
  assert.equal(requests, 1, 'one request in flight, the rest wait in the bounded queue')
  assert.ok(exporter.dropped >= 5000 - 100 - 10, `dropped ${exporter.dropped}`)
  const started = Date.now()
  await exporter.close(300)
  assert.ok(Date.now() - started < 1000, 'close gave up at its deadline')
  for (const socket of sockets) socket.destroy()
  stuck.close()
})

test('an invalid traceparent starts a new trace and its tracestate is dropped', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
tracing: {}
services:
  app: { targets: [${upstream.url}] }
routes:
  - { match: { path: /* }, service: app }
`))
  const echoed = (await fetchRaw(`${gw.url}/x`, { headers: { traceparent: 'garbage', tracestate: 'vendor=1' } })).json<EchoBody>()
  assert.match(String(echoed.headers.traceparent), /^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/)
  assert.equal(echoed.headers.tracestate, undefined)
  const continued = (await fetchRaw(`${gw.url}/x`, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', tracestate: 'vendor=1' } })).json<EchoBody>()
  assert.equal(continued.headers.tracestate, 'vendor=1', 'kept when the trace is continued')
})
