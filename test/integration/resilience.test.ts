// Upstream failures: error statuses with JSON bodies, timeouts, retries to another target,
// passive ejection and recovery, active health checks, and the circuit breaker.
import { test } from 'node:test'
import { createServer as createNetServer } from 'node:net'
import assert from 'node:assert/strict'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'
import { eventually, fetchRaw, type TestResponse } from '../helpers/http-client.js'
import { deadPort } from '../helpers/ports.js'

function assertErrorBody(response: TestResponse, status: number, code: string): void {
  assert.equal(response.status, status)
  assert.equal(response.headers['content-type'], 'application/json')
  const body = response.json<{ error: { code: string; message: string }; status: number; requestId: string }>()
  assert.equal(body.error.code, code)
  assert.equal(body.status, status)
  assert.equal(body.requestId, response.headers['x-request-id'])
  assert.doesNotMatch(response.body, /\bat .*\(|stack|node:internal/, 'no stack trace in the body')
}

test('cannot connect → 502, connection reset → 502, no answer in time → 504', async () => {
  const refused = await deadPort()
  await using resetter = await startUpstream((req) => req.socket.destroy())
  await using silent = await startUpstream(() => {})
  await using gw = await startGateway(gatewayYaml(`
services:
  refused: { targets: [http://127.0.0.1:${refused}], retries: 0 }
  reset: { targets: [${resetter.url}], retries: 0 }
  slow: { targets: [${silent.url}], retries: 0, timeout: 300ms }
routes:
  - { match: { path: /refused }, service: refused }
  - { match: { path: /reset }, service: reset }
  - { match: { path: /slow }, service: slow }
`))
  assertErrorBody(await fetchRaw(`${gw.url}/refused`), 502, 'ERR_UPSTREAM_CONNECT')
  assertErrorBody(await fetchRaw(`${gw.url}/reset`), 502, 'ERR_UPSTREAM_RESET')
  const started = Date.now()
  assertErrorBody(await fetchRaw(`${gw.url}/slow`), 504, 'ERR_UPSTREAM_TIMEOUT')
  const took = Date.now() - started
  assert.ok(took >= 250 && took < 2000, `the timeout fired after ${took} ms`)
})

test('a failed attempt is retried on another target', async () => {
  const refused = await deadPort()
  await using good = await startUpstream((_q, r) => r.end('good'))
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [http://127.0.0.1:${refused}, ${good.url}], retries: 1, passiveHealth: false }
routes:
  - match: { path: /* }
    service: app
`))
  for (let i = 0; i < 6; i++) {
    const response = await fetchRaw(`${gw.url}/x`)
    assert.equal(response.status, 200)
    assert.equal(response.body, 'good')
  }
  // A POST that never reached the refused target is also safe to retry.
  const post = await fetchRaw(`${gw.url}/x`, { method: 'POST', body: 'payload' })
  assert.equal(post.status, 200)
})

test('a request with a body that reached an upstream is not replayed', async () => {
  let posts = 0
  await using resetter = await startUpstream((req) => {
    posts++
    req.on('data', () => {})
    req.on('end', () => req.socket.destroy())
  }, { name: 'a' })
  await using other = await startUpstream((req, res) => {
    posts++
    res.end('b')
  }, { name: 'b' })
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${resetter.url}, ${other.url}], retries: 2, passiveHealth: false }
routes:
  - match: { path: /* }
    service: app
`))
  const response = await fetchRaw(`${gw.url}/orders`, { method: 'POST', body: 'create-order' })
  assert.equal(response.status, 502)
  assert.equal(posts, 1, 'the POST reached exactly one upstream')
})

test('retryOn statuses retry idempotent requests on another target; perTryTimeout moves on from a slow one', async () => {
  await using unavailable = await startUpstream((_q, r) => {
    r.statusCode = 503
    r.end('busy')
  }, { name: 'busy' })
  await using hanging = await startUpstream(() => {}, { name: 'hang' })
  await using good = await startUpstream((_q, r) => r.end('good'), { name: 'good' })
  await using gw = await startGateway(gatewayYaml(`
services:
  flaky: { targets: [${unavailable.url}, ${good.url}], retries: 1, retryOn: [503], passiveHealth: false }
  slow: { targets: [${hanging.url}, ${good.url}], retries: 1, perTryTimeout: 200ms, timeout: 5s, passiveHealth: false }
routes:
  - { match: { path: /flaky }, service: flaky }
  - { match: { path: /slow }, service: slow }
`))
  for (let i = 0; i < 4; i++) assert.equal((await fetchRaw(`${gw.url}/flaky`)).body, 'good')
  assert.ok(unavailable.hits >= 1)
  for (let i = 0; i < 2; i++) {
    const started = Date.now()
    const response = await fetchRaw(`${gw.url}/slow`)
    assert.equal(response.body, 'good')
    assert.ok(Date.now() - started < 1500)
  }
})

test('passive health ejects a failing target, then lets it back after the ejection time', async () => {
  let failing = true
  await using flaky = await startUpstream((_q, r) => {
    r.statusCode = failing ? 500 : 200
    r.end('flaky')
  }, { name: 'flaky' })
  await using good = await startUpstream((_q, r) => r.end('good'), { name: 'good' })
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${flaky.url}, ${good.url}], retries: 0, passiveHealth: { failures: 2, ejectFor: 400ms } }
routes:
  - match: { path: /* }
    service: app
`))
  for (let i = 0; i < 10; i++) await fetchRaw(`${gw.url}/`)
  assert.equal(flaky.hits, 2, 'ejected after its second consecutive failure')
  failing = false
  await new Promise((resolve) => setTimeout(resolve, 450))
  for (let i = 0; i < 4; i++) await fetchRaw(`${gw.url}/`)
  assert.ok(flaky.hits >= 3, 'back in rotation after the ejection')
})

test('active health checks take a target out and bring it back; none healthy → 503', async () => {
  let healthy = true
  const handler = (name: string) => (req: import('node:http').IncomingMessage, res: import('node:http').ServerResponse) => {
    if (req.url === '/health') {
      res.statusCode = healthy ? 200 : 503
      return void res.end()
    }
    res.end(name)
  }
  await using a = await startUpstream(handler('a'), { name: 'a' })
  await using gw = await startGateway(gatewayYaml(`
services:
  app:
    targets: [${a.url}]
    healthCheck: { path: /health, interval: 50ms, timeout: 200ms, unhealthyAfter: 2, healthyAfter: 2 }
routes:
  - match: { path: /* }
    service: app
`))
  assert.equal((await fetchRaw(`${gw.url}/`)).body, 'a')
  healthy = false
  await eventually(async () => (await fetchRaw(`${gw.url}/`)).status === 503, 3000, 'the target to be marked down')
  assertErrorBody(await fetchRaw(`${gw.url}/`), 503, 'ERR_NO_HEALTHY_UPSTREAM')
  healthy = true
  await eventually(async () => (await fetchRaw(`${gw.url}/`)).status === 200, 3000, 'the target to come back')
})

test('the circuit breaker opens after consecutive failures, fails fast, and closes after a good trial', async () => {
  let status = 500
  await using upstream = await startUpstream((_q, r) => {
    r.statusCode = status
    r.end('upstream says ' + status)
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}], retries: 0, passiveHealth: false, circuitBreaker: { failures: 3, cooldown: 300ms } }
routes:
  - match: { path: /* }
    service: app
`))
  for (let i = 0; i < 3; i++) assert.equal((await fetchRaw(`${gw.url}/`)).status, 500)
  const hitsWhenOpened = upstream.hits
  assertErrorBody(await fetchRaw(`${gw.url}/`), 503, 'ERR_CIRCUIT_OPEN')
  assert.equal(upstream.hits, hitsWhenOpened, 'an open circuit does not call the upstream')
  // After the cooldown a single trial goes through; it fails, so the circuit opens again.
  await new Promise((resolve) => setTimeout(resolve, 350))
  assert.equal((await fetchRaw(`${gw.url}/`)).status, 500)
  assert.equal((await fetchRaw(`${gw.url}/`)).status, 503)
  // The service recovers: the next trial succeeds and the circuit closes.
  status = 200
  await new Promise((resolve) => setTimeout(resolve, 350))
  for (let i = 0; i < 3; i++) assert.equal((await fetchRaw(`${gw.url}/`)).status, 200)
})

test('a malformed upstream response is a 502, not a crash or a cut connection', async () => {
  const raw = createNetServer((socket) => {
    socket.once('data', () => socket.end('HTTP/1.1 200 OK\r\nContent-Length: 2\r\nX-Bad: a\u0001b\r\n\r\nok'))
  })
  await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve))
  const port = (raw.address() as { port: number }).port
  await using gw = await startGateway(gatewayYaml(`
services:
  broken: { targets: [http://127.0.0.1:${port}], retries: 0 }
routes:
  - { match: { path: /* }, service: broken }
`))
  assertErrorBody(await fetchRaw(`${gw.url}/x`), 502, 'ERR_UPSTREAM_PROTOCOL')
  assert.equal((await fetchRaw(`${gw.url}/x`)).status, 502, 'and the gateway keeps serving')
  raw.close()
})

test('retryOn with no other target left passes the upstream answer through (its status and Retry-After)', async () => {
  await using busy = await startUpstream((_q, r) => {
    r.statusCode = 503
    r.setHeader('retry-after', '7')
    r.end('busy')
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  single: { targets: [${busy.url}], retries: 2, retryOn: [503], passiveHealth: false }
routes:
  - { match: { path: /* }, service: single }
`))
  const response = await fetchRaw(`${gw.url}/x`)
  assert.equal(response.status, 503)
  assert.equal(response.headers['retry-after'], '7')
  assert.equal(response.body, 'busy')
  assert.equal(busy.hits, 1)
})
