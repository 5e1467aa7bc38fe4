import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { Exchange } from '../exchange/exchange.js'
import type { CompiledRoute } from '../pipeline/compiled-route.js'
import { PorticoMetrics } from './metrics.js'
import { isUpstreamErrorCode, statusClass } from './request-metrics.js'

test('status classes', () => {
  assert.equal(statusClass(200), '2xx')
  assert.equal(statusClass(204), '2xx')
  assert.equal(statusClass(101), '1xx')
  assert.equal(statusClass(304), '3xx')
  assert.equal(statusClass(499), '4xx')
  assert.equal(statusClass(503), '5xx')
  assert.equal(statusClass(0), '5xx', 'out of range counts as an error')
  assert.equal(statusClass(700), '5xx')
})

test('upstream error codes', () => {
  for (const code of ['ERR_UPSTREAM_CONNECT', 'ERR_UPSTREAM_TIMEOUT', 'ERR_NO_HEALTHY_UPSTREAM', 'ERR_CIRCUIT_OPEN']) assert.equal(isUpstreamErrorCode(code), true, code)
  for (const code of ['ERR_ROUTE_NOT_FOUND', 'ERR_UNAUTHORIZED', 'ERR_INTERNAL', 'ERR_BODY_TOO_LARGE']) assert.equal(isUpstreamErrorCode(code), false, code)
})

/** Just the fields the recorder reads. */
function exchange(route: CompiledRoute | undefined, method: string, errorCode?: string): Exchange {
  return { route, request: { method }, error: errorCode === undefined ? undefined : { code: errorCode, message: '' }, elapsedMs: () => 12 } as unknown as Exchange
}

test('records requests per route, method and class; upstream errors per service', async () => {
  const metrics = PorticoMetrics.forGateway({ generation: () => 3, inflight: () => 0, services: () => [] })
  const recorder = metrics.requests
  assert.ok(recorder)
  const proxy = { name: 'api', action: { service: { name: 'users' } } } as unknown as CompiledRoute
  const fixed = { name: 'ping', action: { kind: 'respond' } } as unknown as CompiledRoute
  recorder.record(exchange(proxy, 'GET'), 200)
  recorder.record(exchange(proxy, 'GET'), 201)
  recorder.record(exchange(proxy, 'GET', 'ERR_UPSTREAM_TIMEOUT'), 504)
  recorder.record(exchange(fixed, 'GET', 'ERR_INTERNAL'), 500)
  recorder.record(exchange(undefined, 'PUT', 'ERR_ROUTE_NOT_FOUND'), 404)
  const json = await metrics.json()
  const values = (name: string) => json.find((metric) => metric.name === name)?.values.map((v) => ({ labels: v.labels, value: v.value }))
  assert.deepEqual(values('portico_requests_total'), [
    { labels: { route: 'api', method: 'GET', status_class: '2xx' }, value: 2 },
    { labels: { route: 'api', method: 'GET', status_class: '5xx' }, value: 1 },
    { labels: { route: 'ping', method: 'GET', status_class: '5xx' }, value: 1 },
    { labels: { route: '(unmatched)', method: 'PUT', status_class: '4xx' }, value: 1 },
  ])
  assert.deepEqual(values('portico_upstream_errors_total'), [{ labels: { service: 'users', code: 'ERR_UPSTREAM_TIMEOUT' }, value: 1 }])
  const count = json.find((metric) => metric.name === 'portico_request_duration_seconds')?.values.find((v) => (v as { metricName?: string }).metricName === 'portico_request_duration_seconds_count' && v.labels.route === 'api')
  assert.equal(count?.value, 3)
  assert.deepEqual(values('portico_config_generation'), [{ labels: {}, value: 3 }])
})

test('methods outside the standard set are one OTHER series (HTTP/2 accepts any token)', async () => {
  const metrics = PorticoMetrics.forGateway({ generation: () => 1, inflight: () => 0, services: () => [] })
  const recorder = metrics.requests
  assert.ok(recorder)
  const route = { name: 'api', action: { kind: 'respond' } } as unknown as CompiledRoute
  for (const method of ['FOO', 'BAR', 'X-RANDOM-1', 'GET']) recorder.record(exchange(route, method), 404)
  const text = await metrics.scrape()
  assert.match(text, /portico_requests_total\{route="api",method="OTHER",status_class="4xx"\} 3/)
  assert.match(text, /portico_requests_total\{route="api",method="GET",status_class="4xx"\} 1/)
  assert.doesNotMatch(text, /method="FOO"/)
})
