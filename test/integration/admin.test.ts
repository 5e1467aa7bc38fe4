// The admin API on real sockets: probes, token auth, config status, validate and PUT (refusals
// keep the old config), routes and services views, cache purge, and metrics after real traffic.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { sampleValue, startAdmin } from '../helpers/start-admin.js'
import { deadPort } from '../helpers/ports.js'

const TOKEN = 'test-admin-token-0123456789'
const YAML = { 'content-type': 'application/yaml' }
const JSON_TYPE = { 'content-type': 'application/json' }

interface ErrorBody {
  error: { code: string; message: string }
}

test('probes, config status without secrets, routes in precedence order, 404 and 405', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(
    gatewayYaml(`
consumers:
  - { name: alice, apiKeys: ["alice-secret-api-key-0001"] }
services:
  app: { targets: [${upstream.url}] }
policies:
  - responseHeaders: { set: { x-frame-options: DENY } }
routes:
  - name: catch-all
    match: { path: /* }
    service: app
  - name: user
    match: { path: /users/:id, methods: [GET] }
    service: app
    policies:
      - requestHeaders: { set: { x-from: gw } }
  - name: ping
    match: { path: /ping }
    respond: { status: 200, body: pong }
`),
  )
  await using admin = await startAdmin(gw.gateway)

  const health = await admin.request('/healthz')
  assert.equal(health.status, 200)
  assert.deepEqual(health.json(), { status: 'ok' })

  const ready = await admin.request('/readyz')
  assert.equal(ready.status, 200)
  assert.deepEqual(ready.json(), { status: 'ready', generation: 1, hash: gw.gateway.config.hash })

  const config = await admin.request('/config')
  assert.equal(config.status, 200)
  assert.equal(config.headers['content-type'], 'application/json')
  assert.equal(config.headers['cache-control'], 'no-store')
  const status = config.json<{ generation: number; hash: string; file: string; loadedAt: string; lastError: unknown }>()
  assert.equal(status.generation, 1)
  assert.match(status.hash, /^[0-9a-f]{64}$/)
  assert.equal(status.file, 'test.yaml')
  assert.ok(Math.abs(Date.parse(status.loadedAt) - Date.now()) < 60_000, 'loadedAt is an ISO time')
  assert.equal(status.lastError, null)
  assert.doesNotMatch(config.body, /alice-secret-api-key/, 'the raw config text (and its secrets) is never served')

  const routes = await admin.request('/routes')
  assert.equal(routes.status, 200)
  const list = routes.json<{ routes: Array<{ name: string; match: unknown; action: string; policies: string[] }> }>().routes
  assert.deepEqual(
    list.map((route) => route.name),
    ['ping', 'user', 'catch-all'],
    'most specific first',
  )
  assert.deepEqual(list[1], { name: 'user', match: { path: '/users/:id', methods: ['GET'] }, action: `proxy to service app`, policies: ['responseHeaders', 'requestHeaders'] })
  assert.equal(list[0]?.action.startsWith('respond'), true, list[0]?.action)

  const missing = await admin.request('/nope')
  assert.equal(missing.status, 404)
  assert.equal(missing.json<ErrorBody>().error.code, 'ERR_NOT_FOUND')
  const wrongMethod = await admin.request('/routes', { method: 'DELETE' })
  assert.equal(wrongMethod.status, 405)
  assert.equal(wrongMethod.headers.allow, 'GET')
  const head = await admin.request('/healthz', { method: 'HEAD' })
  assert.equal(head.status, 200)
})

test('with a token: every endpoint but the probes needs the bearer token', async () => {
  await using gw = await startGateway(gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: ok } }\n`))
  await using admin = await startAdmin(gw.gateway, { token: TOKEN })

  for (const path of ['/config', '/routes', '/services', '/metrics', '/nope']) {
    const none = await admin.request(path, { token: null })
    assert.equal(none.status, 401, `${path} without a token`)
    assert.equal(none.headers['www-authenticate'], 'Bearer realm="portico-admin"')
    assert.equal(none.json<ErrorBody>().error.code, 'ERR_UNAUTHORIZED')
    assert.equal((await admin.request(path, { token: `${TOKEN}x` })).status, 401, `${path} with a wrong token`)
  }
  assert.equal((await admin.request('/config', { token: null, headers: { authorization: `Basic ${TOKEN}` } })).status, 401)
  const refusedPut = await admin.request('/config', { method: 'PUT', token: null, body: 'workers: 1', headers: YAML })
  assert.equal(refusedPut.status, 401)
  assert.equal(gw.gateway.generation, 1)

  assert.equal((await admin.request('/config')).status, 200)
  assert.equal((await admin.request('/routes')).status, 200)
  assert.equal((await admin.request('/healthz', { token: null })).status, 200, 'liveness probes need no token')
  assert.equal((await admin.request('/readyz', { token: null })).status, 200, 'readiness probes need no token')
})

test('POST /config/validate reports issues without changing anything', async () => {
  await using gw = await startGateway(gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: v1 } }\n`))
  await using admin = await startAdmin(gw.gateway)

  const valid = await admin.request('/config/validate', { method: 'POST', body: gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: v2 } }\n`), headers: YAML })
  assert.equal(valid.status, 200)
  assert.deepEqual(valid.json(), { valid: true, issues: [] })

  const broken = gatewayYaml(`services:\n  app: { targets: [http://127.0.0.1:1], timeout: ten }\nroutes:\n  - { match: { path: /* }, service: nowhere }\n`)
  const invalid = await admin.request('/config/validate', { method: 'POST', body: broken, headers: YAML })
  assert.equal(invalid.status, 200)
  const result = invalid.json<{ valid: boolean; issues: Array<{ file: string; line: number; column: number; path: string; expected: string; found: string }> }>()
  assert.equal(result.valid, false)
  const timeout = result.issues.find((issue) => issue.path === 'services.app.timeout')
  assert.ok(timeout, JSON.stringify(result.issues))
  assert.equal(timeout.file, '<admin>')
  assert.equal(timeout.line, 6)
  assert.match(timeout.expected, /duration/)
  assert.equal(timeout.found, '"ten"')

  const empty = await admin.request('/config/validate', { method: 'POST', body: '', headers: YAML })
  assert.equal(empty.status, 400)
  assert.equal(empty.json<ErrorBody>().error.code, 'ERR_BAD_REQUEST')
  assert.equal(gw.gateway.generation, 1)
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'v1')
})

test('PUT /config applies a valid config; a refused one keeps the old config and shows as lastError', async () => {
  const config = (body: string) => gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: ${body} } }\n`)
  await using gw = await startGateway(config('v1'))
  await using admin = await startAdmin(gw.gateway)

  const applied = await admin.request('/config', { method: 'PUT', body: config('v2'), headers: YAML })
  assert.equal(applied.status, 200, applied.body)
  const { generation, hash } = applied.json<{ generation: number; hash: string }>()
  assert.equal(generation, 2)
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'v2')
  const afterPut = (await admin.request('/config')).json<{ generation: number; hash: string; file: string }>()
  assert.deepEqual(afterPut, { ...afterPut, generation: 2, hash, file: '<admin>' })

  // Refused by validation: an unknown key.
  const invalid = await admin.request('/config', { method: 'PUT', body: config('v3').replace('respond:', 'respnd:'), headers: YAML })
  assert.equal(invalid.status, 400)
  const refusal = invalid.json<ErrorBody & { issues: Array<{ path: string }>; active: { generation: number; hash: string } }>()
  assert.equal(refusal.error.code, 'ERR_INVALID_CONFIG')
  assert.ok(refusal.issues.some((issue) => issue.path === 'routes[0].respnd'), JSON.stringify(refusal.issues))
  assert.deepEqual(refusal.active, { generation: 2, hash })
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'v2', 'the old config still serves')

  // Refused at compile time: a policy module that does not exist.
  const uncompilable = await admin.request('/config', { method: 'PUT', body: config('v4').replace('respond: { body: v4 } }', 'respond: { body: v4 }, policies: [{ module: ./no-such-policy.js }] }'), headers: YAML })
  assert.equal(uncompilable.status, 400, uncompilable.body)
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'v2')

  const status = (await admin.request('/config')).json<{ generation: number; lastError: { at: string; issues: Array<{ path: string; found: string }> } | null }>()
  assert.equal(status.generation, 2)
  assert.ok(status.lastError !== null)
  assert.ok(Math.abs(Date.parse(status.lastError.at) - Date.now()) < 60_000)
  assert.ok(status.lastError.issues.length > 0)
  const ready = (await admin.request('/readyz')).json<{ status: string; lastError?: unknown }>()
  assert.equal(ready.status, 'ready', 'a refused reload does not make the gateway unready')
  assert.ok(ready.lastError !== undefined)

  const metrics = (await admin.request('/metrics')).body
  assert.equal(sampleValue(metrics, 'portico_config_reloads_total', { result: 'success' }), 1)
  assert.equal(sampleValue(metrics, 'portico_config_reloads_total', { result: 'failure' }), 2)
  assert.equal(sampleValue(metrics, 'portico_config_generation'), 2)

  // A later successful reload clears lastError.
  assert.equal((await admin.request('/config', { method: 'PUT', body: config('v5'), headers: YAML })).status, 200)
  assert.equal((await admin.request('/config')).json<{ lastError: unknown }>().lastError, null)
})

test('POST /cache/purge deletes by key and by prefix on the store', async () => {
  await using gw = await startGateway(gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: ok } }\n`))
  await using admin = await startAdmin(gw.gateway, { token: TOKEN })
  const store = gw.gateway.store
  for (const key of ['GET https://api.example.com/products/1', 'GET https://api.example.com/products/2', 'GET https://api.example.com/users/1']) {
    await store.set(key, Buffer.from(key), 60_000)
  }

  const byPrefix = await admin.request('/cache/purge', { method: 'POST', body: JSON.stringify({ prefix: 'GET https://api.example.com/products/' }), headers: JSON_TYPE })
  assert.equal(byPrefix.status, 200, byPrefix.body)
  assert.deepEqual(byPrefix.json(), { prefix: 'GET https://api.example.com/products/', removed: 2 })
  assert.equal(await store.get('GET https://api.example.com/products/1'), undefined)
  assert.ok(await store.get('GET https://api.example.com/users/1'))

  const byKey = await admin.request('/cache/purge', { method: 'POST', body: JSON.stringify({ key: 'GET https://api.example.com/users/1' }), headers: JSON_TYPE })
  assert.equal(byKey.status, 200)
  assert.equal(await store.get('GET https://api.example.com/users/1'), undefined)

  for (const body of ['not json', '{}', '{"prefix":""}', '{"key":"a","prefix":"b"}', '["key"]', '{"key":42}']) {
    const bad = await admin.request('/cache/purge', { method: 'POST', body, headers: JSON_TYPE })
    assert.equal(bad.status, 400, body)
    assert.equal(bad.json<ErrorBody>().error.code, 'ERR_BAD_REQUEST')
  }
  assert.equal((await admin.request('/cache/purge', { method: 'POST', body: '{"prefix":"GET "}', headers: JSON_TYPE, token: null })).status, 401)
})

test('a purge by prefix empties the response cache of those pages (key format as documented)', async () => {
  await using upstream = await startUpstream((req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.end(`page ${req.url ?? ''}`)
  })
  await using gw = await startGateway(gatewayYaml(`services:\n  app: { targets: [${upstream.url}] }\nroutes:\n  - { match: { path: /* }, service: app, policies: [{ cache: {} }] }\n`))
  await using admin = await startAdmin(gw.gateway)
  for (const path of ['/products/1', '/products/1', '/users/1', '/users/1']) assert.equal((await fetchRaw(`${gw.url}${path}`)).status, 200)
  assert.equal(upstream.hits, 2, 'the repeats came from the cache')

  const purge = await admin.request('/cache/purge', { method: 'POST', body: JSON.stringify({ prefix: `GET http://127.0.0.1:${gw.port}/products/` }), headers: JSON_TYPE })
  assert.equal(purge.json<{ removed: number }>().removed, 1)
  await fetchRaw(`${gw.url}/products/1`)
  await fetchRaw(`${gw.url}/users/1`)
  assert.equal(upstream.hits, 3, 'only the purged page went upstream again')
  await admin.request('/cache/purge', { method: 'POST', body: JSON.stringify({ key: `GET http://127.0.0.1:${gw.port}/users/1` }), headers: JSON_TYPE })
  await fetchRaw(`${gw.url}/users/1`)
  assert.equal(upstream.hits, 4)

  const tooLarge = await admin.request('/config/validate', { method: 'POST', body: 'x'.repeat(3 * 1024 * 1024), headers: YAML })
  assert.equal(tooLarge.status, 413)
})

test('metrics count real requests by route, method and status class, with upstream errors by service', async () => {
  const refused = await deadPort()
  await using upstream = await startUpstream((_q, r) => r.end('fine'))
  await using gw = await startGateway(
    gatewayYaml(`
services:
  app: { targets: [${upstream.url}], circuitBreaker: { failures: 5 } }
  down: { targets: [http://127.0.0.1:${refused}], retries: 0, passiveHealth: false }
routes:
  - { name: api, match: { path: /api/* }, service: app }
  - { name: broken, match: { path: /broken }, service: down }
  - { name: only-get, match: { path: /get-only, methods: [GET] }, respond: { body: ok } }
`),
  )
  await using admin = await startAdmin(gw.gateway)
  for (let i = 0; i < 3; i++) assert.equal((await fetchRaw(`${gw.url}/api/x`)).status, 200)
  assert.equal((await fetchRaw(`${gw.url}/api/x`, { method: 'POST', body: 'a' })).status, 200)
  assert.equal((await fetchRaw(`${gw.url}/broken`)).status, 502)
  assert.equal((await fetchRaw(`${gw.url}/nowhere`)).status, 404)
  assert.equal((await fetchRaw(`${gw.url}/get-only`, { method: 'DELETE' })).status, 405)

  const response = await admin.request('/metrics')
  assert.equal(response.status, 200)
  assert.match(response.headers['content-type'] ?? '', /^text\/plain; version=0\.0\.4/)
  const text = response.body
  assert.equal(sampleValue(text, 'portico_requests_total', { route: 'api', method: 'GET', status_class: '2xx' }), 3)
  assert.equal(sampleValue(text, 'portico_requests_total', { route: 'api', method: 'POST', status_class: '2xx' }), 1)
  assert.equal(sampleValue(text, 'portico_requests_total', { route: 'broken', method: 'GET', status_class: '5xx' }), 1)
  assert.equal(sampleValue(text, 'portico_requests_total', { route: '(unmatched)', method: 'GET', status_class: '4xx' }), 1)
  assert.equal(sampleValue(text, 'portico_requests_total', { route: '(unmatched)', method: 'DELETE', status_class: '4xx' }), 1)
  assert.equal(sampleValue(text, 'portico_request_duration_seconds_count', { route: 'api' }), 4)
  assert.equal(sampleValue(text, 'portico_request_duration_seconds_bucket', { route: 'api', le: '+Inf' }), 4)
  assert.ok((sampleValue(text, 'portico_request_duration_seconds_sum', { route: 'api' }) ?? 0) > 0)
  assert.equal(sampleValue(text, 'portico_upstream_errors_total', { service: 'down', code: 'ERR_UPSTREAM_CONNECT' }), 1)
  assert.equal(sampleValue(text, 'portico_circuit_state', { service: 'app' }), 0)
  assert.equal(sampleValue(text, 'portico_circuit_state', { service: 'down' }), undefined, 'no breaker, no series')
  assert.equal(sampleValue(text, 'portico_target_healthy', { service: 'app', target: upstream.url }), 1)
  assert.equal(sampleValue(text, 'portico_inflight_requests'), 0)
  assert.equal(sampleValue(text, 'portico_config_generation'), 1)
  assert.equal(sampleValue(text, 'portico_config_reloads_total', { result: 'failure' }), 0)
  assert.ok(sampleValue(text, 'process_cpu_user_seconds_total') !== undefined, 'default process metrics are included')
  assert.ok(sampleValue(text, 'nodejs_heap_size_used_bytes') !== undefined)

  // Counters keep counting (and a second gateway in this process has series of its own).
  await using other = await startGateway(gatewayYaml(`routes:\n  - { name: api, match: { path: /* }, respond: { body: ok } }\n`))
  await fetchRaw(`${other.url}/x`)
  await fetchRaw(`${gw.url}/api/x`)
  const again = (await admin.request('/metrics')).body
  assert.equal(sampleValue(again, 'portico_requests_total', { route: 'api', method: 'GET', status_class: '2xx' }), 4)
})

test('metrics.enabled: false records nothing and /metrics answers 404', async () => {
  await using gw = await startGateway(gatewayYaml(`metrics: { enabled: false }\nroutes:\n  - { match: { path: /* }, respond: { body: ok } }\n`))
  await using admin = await startAdmin(gw.gateway)
  assert.equal(gw.gateway.runtime.current.metrics, undefined, 'the snapshot holds no recorder')
  await fetchRaw(`${gw.url}/x`)
  const response = await admin.request('/metrics')
  assert.equal(response.status, 404)
  assert.equal(response.json<ErrorBody>().error.code, 'ERR_METRICS_DISABLED')
  // Turned back on by a reload.
  await gw.reload(gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: ok } }\n`))
  await fetchRaw(`${gw.url}/x`)
  const text = (await admin.request('/metrics')).body
  assert.equal(sampleValue(text, 'portico_requests_total', { route: 'route-0', method: 'GET', status_class: '2xx' }), 1)
})

test('/services shows a target that failed its health checks as unhealthy', async () => {
  await using good = await startUpstream((req, res) => res.end('ok'))
  await using sick = await startUpstream((req, res) => {
    res.statusCode = req.url === '/health' ? 500 : 200
    res.end()
  })
  await using gw = await startGateway(
    gatewayYaml(`
services:
  app:
    targets: [${good.url}, { url: ${sick.url}, weight: 3 }]
    balance: least-request
    healthCheck: { path: /health, interval: 50ms, timeout: 200ms, unhealthyAfter: 1, healthyAfter: 1 }
    circuitBreaker: { failures: 3 }
routes:
  - { match: { path: /* }, service: app }
`),
  )
  await using admin = await startAdmin(gw.gateway)
  interface Services {
    services: Array<{ name: string; algorithm: string; breaker: string | null; targets: Array<{ url: string; weight: number; healthy: boolean; ejected: boolean; inflight: number }> }>
  }
  await eventually(async () => (await admin.request('/services')).json<Services>().services[0]?.targets[1]?.healthy === false, 5000, 'the sick target to be marked unhealthy')
  const [app] = (await admin.request('/services')).json<Services>().services
  assert.deepEqual(app, {
    name: 'app',
    algorithm: 'least-request',
    breaker: 'closed',
    targets: [
      { url: good.url, weight: 1, healthy: true, ejected: false, inflight: 0 },
      { url: sick.url, weight: 3, healthy: false, ejected: false, inflight: 0 },
    ],
  })
  const text = (await admin.request('/metrics')).body
  assert.equal(sampleValue(text, 'portico_target_healthy', { service: 'app', target: sick.url }), 0)
  assert.equal(sampleValue(text, 'portico_target_healthy', { service: 'app', target: good.url }), 1)
})

test('/readyz answers 503 while the gateway drains', async () => {
  let release: (() => void) | undefined
  await using upstream = await startUpstream((_q, res) => {
    release = () => res.end('late')
  })
  await using gw = await startGateway(gatewayYaml(`services:\n  app: { targets: [${upstream.url}] }\nroutes:\n  - { match: { path: /* }, service: app }\n`))
  await using admin = await startAdmin(gw.gateway)
  const inflight = fetchRaw(`${gw.url}/slow`)
  await eventually(() => release !== undefined, 5000, 'the request to reach the upstream')
  const metrics = (await admin.request('/metrics')).body
  assert.equal(sampleValue(metrics, 'portico_inflight_requests'), 1)
  const closing = gw.gateway.close(5000)
  const draining = await admin.request('/readyz')
  assert.equal(draining.status, 503)
  assert.equal(draining.json<{ status: string }>().status, 'draining')
  assert.equal((await admin.request('/healthz')).status, 200, 'still alive while draining')
  release?.()
  assert.equal((await inflight).body, 'late')
  await closing
})

test('without a token, only requests addressed to an IP address or localhost are served (DNS rebinding)', async () => {
  await using gw = await startGateway(gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: v1 } }\n`))
  await using admin = await startAdmin(gw.gateway)
  const port = new URL(admin.url).port
  await gw.gateway.store.set('GET http://shop/1', Buffer.from('x'), 60_000)

  // What a browser sends after attacker.example was rebound to 127.0.0.1.
  for (const host of [`attacker.example:${port}`, 'attacker.example', 'localhost.attacker.example', 'localhost.', '127.0.0.1.nip.io', `127.0.0.1:${port}:80`, '::1', 'localhost:x']) {
    const headers = { host }
    for (const [method, path, extra] of [['GET', '/config', {}], ['GET', '/metrics', {}], ['GET', '/nope', {}], ['PUT', '/config', { body: 'workers: 1', headers: { ...YAML, ...headers } }], ['POST', '/cache/purge', { body: '{"prefix":"GET "}', headers: { ...JSON_TYPE, ...headers } }]] as const) {
      const refused = await admin.request(path, { method, headers, ...extra })
      assert.equal(refused.status, 403, `${method} ${path} with Host ${JSON.stringify(host)}`)
      const body = refused.json<ErrorBody>()
      assert.equal(body.error.code, 'ERR_FORBIDDEN')
      assert.match(body.error.message, /IP address or localhost.*admin\.token/)
    }
  }
  assert.equal(gw.gateway.generation, 1, 'no PUT went through')
  assert.ok(await gw.gateway.store.get('GET http://shop/1'), 'no purge went through')
  // The probes stay open to any Host: a kubelet or load balancer may address the pod by name.
  assert.equal((await admin.request('/healthz', { headers: { host: 'portico-admin.svc' } })).status, 200)
  assert.equal((await admin.request('/readyz', { headers: { host: 'portico-admin.svc' } })).status, 200)

  for (const host of [`127.0.0.1:${port}`, '127.0.0.1', `localhost:${port}`, 'LocalHost', `[::1]:${port}`, '[::1]', '10.1.2.3:9901', '[2001:db8::7]']) {
    assert.equal((await admin.request('/config', { headers: { host } })).status, 200, `Host ${host}`)
  }
  const applied = await admin.request('/config', { method: 'PUT', body: gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: v2 } }\n`), headers: { ...YAML, host: `localhost:${port}` } })
  assert.equal(applied.status, 200, applied.body)

  // With a token, the token is the protection: a name is fine (a rebinding page cannot send it).
  await using guarded = await startAdmin(gw.gateway, { token: TOKEN })
  assert.equal((await guarded.request('/config', { headers: { host: 'portico-admin.internal:9901' } })).status, 200)
  assert.equal((await guarded.request('/config', { token: null, headers: { host: 'portico-admin.internal:9901' } })).status, 401)
})

test('state-changing requests need a JSON or YAML Content-Type, which a cross-site form cannot send (CSRF)', async () => {
  await using gw = await startGateway(gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: v1 } }\n`))
  await using admin = await startAdmin(gw.gateway)
  const store = gw.gateway.store
  await store.set('GET http://shop/1', Buffer.from('x'), 60_000)
  const v2 = gatewayYaml(`routes:\n  - { match: { path: /* }, respond: { body: v2 } }\n`)

  // The "simple" types a page may POST cross-origin without a preflight, and none at all.
  for (const type of ['text/plain', 'text/plain; charset=utf-8', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', undefined]) {
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type }
    const purge = await admin.request('/cache/purge', { method: 'POST', body: '{"prefix":"GET "}', headers })
    assert.equal(purge.status, 415, `purge as ${type}`)
    const body = purge.json<ErrorBody>()
    assert.equal(body.error.code, 'ERR_UNSUPPORTED_MEDIA_TYPE')
    assert.equal(body.error.message, `POST /cache/purge needs Content-Type: application/json, found ${type === undefined ? 'none' : JSON.stringify(type)}`)
    const put = await admin.request('/config', { method: 'PUT', body: v2, headers })
    assert.equal(put.status, 415, `PUT /config as ${type}`)
    assert.match(put.json<ErrorBody>().error.message, /^PUT \/config needs Content-Type: one of application\/yaml, application\/x-yaml, text\/yaml, text\/x-yaml, found /)
    assert.equal((await admin.request('/config/validate', { method: 'POST', body: v2, headers })).status, 415, `validate as ${type}`)
  }
  assert.ok(await store.get('GET http://shop/1'), 'nothing was purged')
  assert.equal(gw.gateway.generation, 1, 'nothing was applied')
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'v1')

  const purged = await admin.request('/cache/purge', { method: 'POST', body: '{"prefix":"GET "}', headers: { 'content-type': 'Application/JSON; charset=utf-8' } })
  assert.deepEqual(purged.json(), { prefix: 'GET ', removed: 1 })
  for (const type of ['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml; charset=utf-8']) {
    assert.equal((await admin.request('/config/validate', { method: 'POST', body: v2, headers: { 'content-type': type } })).json<{ valid: boolean }>().valid, true, type)
  }
  assert.equal((await admin.request('/config', { method: 'PUT', body: v2, headers: YAML })).status, 200)
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'v2')

  // The same rule with a token (after authentication: a wrong token is still a 401 first).
  await using guarded = await startAdmin(gw.gateway, { token: TOKEN })
  assert.equal((await guarded.request('/cache/purge', { method: 'POST', body: '{"prefix":"GET "}', headers: { 'content-type': 'text/plain' } })).status, 415)
  assert.equal((await guarded.request('/cache/purge', { method: 'POST', body: '{"prefix":"GET "}', token: null, headers: { 'content-type': 'text/plain' } })).status, 401)
})
