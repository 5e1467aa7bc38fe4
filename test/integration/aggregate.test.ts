// The aggregate action on real sockets: parallel fan-out, calls that read another call's answer,
// select/rename, honest partial results, required failures that abort their siblings, the
// deadline, JSON-only answers, forwarded headers, auth before fan-out, and breaker accounting.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { eventually, fetchRaw, type TestResponse } from '../helpers/http-client.js'
import { startAdmin } from '../helpers/start-admin.js'
import { deadPort } from '../helpers/ports.js'

interface ErrorBody {
  error: { code: string; message: string }
  status: number
  requestId: string
}

/** An upstream handler that answers `body` as JSON after `delayMs`, unless the request is aborted first. */
function json(body: unknown, delayMs = 0, status = 200): (req: IncomingMessage, res: ServerResponse) => void {
  return (_req, res) => {
    const timer = setTimeout(() => {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify(body))
    }, delayMs)
    res.on('close', () => clearTimeout(timer))
  }
}

/** A handler that never answers and records when the gateway gives up on the request. */
function hanging(): { handler: (req: IncomingMessage, res: ServerResponse) => void; aborted: () => number } {
  let aborted = 0
  return {
    handler: (_req, res) => {
      res.on('close', () => {
        if (!res.writableFinished) aborted++
      })
    },
    aborted: () => aborted,
  }
}

function assertError(response: TestResponse, status: number, code: string): ErrorBody {
  assert.equal(response.status, status, response.body)
  assert.equal(response.headers['content-type'], 'application/json')
  const body = response.json<ErrorBody>()
  assert.equal(body.error.code, code)
  assert.equal(body.status, status)
  assert.equal(body.requestId, response.headers['x-request-id'])
  return body
}

test('calls without dependencies run in parallel: two 300 ms calls take about 300 ms', async () => {
  await using users = await startUpstream(json({ id: 42 }, 300))
  await using orders = await startUpstream(json([{ id: 1 }], 300))
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}] }
  orders: { targets: [${orders.url}] }
routes:
  - match: { path: /dash/:userId, methods: [GET] }
    aggregate:
      calls:
        user: { service: users, path: "/users/:userId" }
        orders: { service: orders, path: "/orders?user=:userId" }
`))
  await fetchRaw(`${gw.url}/dash/1`) // warm both pools
  const started = Date.now()
  const response = await fetchRaw(`${gw.url}/dash/42`)
  const took = Date.now() - started
  assert.equal(response.status, 200)
  assert.equal(response.headers['content-type'], 'application/json')
  assert.equal(response.headers['x-portico-partial'], undefined)
  assert.deepEqual(response.json(), { user: { id: 42 }, orders: [{ id: 1 }] })
  assert.ok(took >= 290 && took < 550, `took ${took} ms`)
})

test('a call reads a field of another; params and fields are URL-encoded; select and rename shape the answer', async () => {
  const seen: string[] = []
  await using users = await startUpstream((req, res) => {
    seen.push(`users ${req.url}`)
    json({ id: 'a b', name: 'Ada', companyId: 'acme/1', secret: 'hidden', address: { city: 'Oslo', street: 'x' } }, 100)(req, res)
  })
  await using orders = await startUpstream((req, res) => {
    seen.push(`orders ${req.url}`)
    json([{ id: 1, total: 9, internal: true }, { id: 2, total: 5 }], 20)(req, res)
  })
  await using crm = await startUpstream((req, res) => {
    seen.push(`crm ${req.url}`)
    json({ name: 'Acme', tier: 'gold' })(req, res)
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}] }
  orders: { targets: [${orders.url}] }
  crm: { targets: [${crm.url}] }
routes:
  - name: dashboard
    match: { path: /api/dashboard/:userId, methods: [GET] }
    aggregate:
      timeout: 5s
      calls:
        user:    { service: users,  path: "/users/:userId" }
        orders:  { service: orders, path: "/orders?user=:userId&limit=5", optional: true, timeout: 2s }
        company: { service: crm,    path: "/companies/{user.companyId}?of={user.id}" }
      select: { user: [id, name, companyId, address.city], orders: [id, total] }
      rename: { orders: recentOrders }
`))
  const response = await fetchRaw(`${gw.url}/api/dashboard/a%20b?ignored=1`)
  assert.equal(response.status, 200, response.body)
  assert.equal(JSON.stringify(response.json()), JSON.stringify({
    user: { id: 'a b', name: 'Ada', companyId: 'acme/1', address: { city: 'Oslo' } },
    recentOrders: [{ id: 1, total: 9 }, { id: 2, total: 5 }],
    company: { name: 'Acme', tier: 'gold' },
  }))
  assert.deepEqual([...seen].sort(), ['crm /companies/acme%2F1?of=a%20b', 'orders /orders?user=a%20b&limit=5', 'users /users/a%20b'], 'the client query is not forwarded')
  assert.equal(seen[2], 'crm /companies/acme%2F1?of=a%20b', 'company ran after user')

  await using admin = await startAdmin(gw.gateway)
  const { routes } = (await admin.request('/routes')).json<{ routes: Array<{ name: string; action: string }> }>()
  assert.equal(routes.find((route) => route.name === 'dashboard')?.action, 'aggregate user, orders, company (company after user)')
})

test('optional failures: null and _errors with X-Portico-Partial, status 200; dependents of a failed call are not called', async () => {
  const companyCalls: string[] = []
  await using users = await startUpstream(json({ id: 1, name: 'Ada' }))
  await using broken = await startUpstream((req, res) => {
    if (req.url === '/status') return json({ error: 'boom' }, 0, 500)(req, res)
    if (req.url === '/text') return void res.writeHead(200, { 'content-type': 'text/html' }).end('<html>')
    if (req.url === '/invalid') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":')
    if (req.url === '/big') return json({ data: 'x'.repeat(500) })(req, res)
    if (req.url === '/problem') return void res.writeHead(200, { 'content-type': 'application/problem+json; charset=utf-8' }).end('{"ok":true}')
    if (req.url === '/slow') return json({}, 3000)(req, res)
    res.writeHead(404).end()
  })
  await using crm = await startUpstream((req, res) => {
    companyCalls.push(req.url ?? '')
    json({ name: 'Acme' })(req, res)
  })
  const refused = await deadPort()
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}] }
  broken: { targets: [${broken.url}], retries: 0 }
  crm: { targets: [${crm.url}] }
  gone: { targets: [http://127.0.0.1:${refused}], retries: 0 }
routes:
  - match: { path: /dash }
    aggregate:
      calls:
        user: { service: users, path: /u }
        status: { service: broken, path: /status, optional: true }
        text: { service: broken, path: /text, optional: true }
        invalid: { service: broken, path: /invalid, optional: true }
        big: { service: broken, path: /big, optional: true, maxBodySize: 100 }
        problem: { service: broken, path: /problem, optional: true }
        slow: { service: broken, path: /slow, optional: true, timeout: 200ms }
        gone: { service: gone, path: /x, optional: true }
        company: { service: crm, path: "/companies/{status.companyId}", optional: true }
      rename: { status: orders }
`))
  const started = Date.now()
  const response = await fetchRaw(`${gw.url}/dash`)
  assert.ok(Date.now() - started < 2000, 'the slow optional call timed out on its own deadline')
  assert.equal(response.status, 200, response.body)
  assert.equal(response.headers['x-portico-partial'], 'true')
  assert.equal(JSON.stringify(response.json()), JSON.stringify({
    user: { id: 1, name: 'Ada' },
    orders: null,
    text: null,
    invalid: null,
    big: null,
    problem: { ok: true },
    slow: null,
    gone: null,
    company: null,
    _errors: {
      orders: { status: 502, code: 'ERR_UPSTREAM_STATUS', upstreamStatus: 500 },
      text: { status: 502, code: 'ERR_UPSTREAM_NOT_JSON' },
      invalid: { status: 502, code: 'ERR_UPSTREAM_NOT_JSON' },
      big: { status: 502, code: 'ERR_UPSTREAM_BODY_TOO_LARGE' },
      slow: { status: 504, code: 'ERR_UPSTREAM_TIMEOUT' },
      gone: { status: 502, code: 'ERR_UPSTREAM_CONNECT' },
      company: { status: 424, code: 'ERR_DEPENDENCY_FAILED', dependency: 'orders' },
    },
  }))
  assert.deepEqual(companyCalls, [], 'a call whose dependency failed is never sent')
})

test('a required failure is the whole answer (JSON error with request id); siblings in flight are aborted and dependents never start', async () => {
  const slow = hanging()
  await using sibling = await startUpstream(slow.handler)
  await using users = await startUpstream(json({ error: 'nope' }, 50, 404))
  await using crm = await startUpstream(json({}))
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}] }
  sibling: { targets: [${sibling.url}] }
  crm: { targets: [${crm.url}] }
routes:
  - match: { path: /dash }
    aggregate:
      calls:
        user: { service: users, path: /u }
        slow: { service: sibling, path: /slow }
        company: { service: crm, path: "/c/{user.companyId}" }
`))
  const started = Date.now()
  const response = await fetchRaw(`${gw.url}/dash`, { headers: { 'x-request-id': 'agg-fail-1' } })
  assert.ok(Date.now() - started < 1000, 'answered as soon as the required call failed')
  const body = assertError(response, 502, 'ERR_UPSTREAM_STATUS')
  assert.equal(body.requestId, 'agg-fail-1')
  assert.equal(body.error.message, 'Aggregate call "user" failed: The upstream service answered 404')
  await eventually(() => slow.aborted() === 1, 2000, 'the slow sibling to see its request aborted')
  assert.equal(sibling.hits, 1)
  assert.equal(crm.hits, 0)
})

test('an answer nested deeper than maxDepth fails its call as not JSON: partial when optional, 502 when required', async () => {
  const DEEP = 200_000
  const deep = `${'['.repeat(DEEP)}${']'.repeat(DEEP)}`
  await using users = await startUpstream(json({ id: 1, name: 'Ada' }))
  await using hostile = await startUpstream((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json' })
    if (req.url === '/deep') return void res.end(deep)
    // Depth 3, brackets in strings not counted; and depth 4.
    if (req.url === '/three') return void res.end('{"a":[{"b":"[[[[{{{{"}]}')
    res.end('{"a":[{"b":[1]}]}')
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}] }
  hostile: { targets: [${hostile.url}] }
routes:
  - match: { path: /optional }
    aggregate:
      calls:
        user: { service: users, path: /u }
        deep: { service: hostile, path: /deep, optional: true }
      select: { deep: [id] }
  - match: { path: /required }
    aggregate:
      calls:
        user: { service: users, path: /u }
        deep: { service: hostile, path: /deep }
  - match: { path: /limits }
    aggregate:
      maxDepth: 3
      calls:
        three: { service: hostile, path: /three }
        four: { service: hostile, path: /four, optional: true }
        roomy: { service: hostile, path: /four, maxDepth: 4 }
`))
  const partial = await fetchRaw(`${gw.url}/optional`)
  assert.equal(partial.status, 200, partial.body)
  assert.equal(partial.headers['x-portico-partial'], 'true')
  assert.deepEqual(partial.json(), { user: { id: 1, name: 'Ada' }, deep: null, _errors: { deep: { status: 502, code: 'ERR_UPSTREAM_NOT_JSON' } } })

  const failed = assertError(await fetchRaw(`${gw.url}/required`), 502, 'ERR_UPSTREAM_NOT_JSON')
  assert.equal(failed.error.message, 'Aggregate call "deep" failed: The upstream service sent JSON nested deeper than 256 levels')

  const limits = await fetchRaw(`${gw.url}/limits`)
  assert.equal(limits.status, 200, limits.body)
  assert.deepEqual(limits.json(), {
    three: { a: [{ b: '[[[[{{{{' }] },
    four: null,
    roomy: { a: [{ b: [1] }] },
    _errors: { four: { status: 502, code: 'ERR_UPSTREAM_NOT_JSON' } },
  })
  // The gateway is still fine afterwards.
  assert.equal((await fetchRaw(`${gw.url}/optional`)).status, 200)
})

test('the aggregate deadline fails a required call with 504 and aborts it', async () => {
  const slow = hanging()
  await using users = await startUpstream(slow.handler)
  await using orders = await startUpstream(json([]))
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}], retries: 0 }
  orders: { targets: [${orders.url}] }
routes:
  - match: { path: /dash }
    aggregate:
      timeout: 300ms
      calls:
        orders: { service: orders, path: /o }
        user: { service: users, path: /u, timeout: 10s }
`))
  const started = Date.now()
  const response = await fetchRaw(`${gw.url}/dash`)
  const took = Date.now() - started
  assertError(response, 504, 'ERR_UPSTREAM_TIMEOUT')
  assert.ok(took >= 280 && took < 1500, `took ${took} ms`)
  await eventually(() => slow.aborted() === 1, 2000, 'the upstream to see the request aborted')
})

test('every call gets the request id, forwarding headers and the client headers; credentials and the query only when asked', async () => {
  await using a = await startUpstream()
  await using b = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  a: { targets: [${a.url}] }
  b: { targets: [${b.url}] }
routes:
  - match: { path: /dash }
    aggregate:
      calls:
        withAuth: { service: a, path: "/a?x=1", forwardHeaders: [authorization], forwardQuery: true }
        plain: { service: b, path: /b, method: POST }
`))
  const response = await fetchRaw(`${gw.url}/dash?page=2`, {
    method: 'POST',
    body: '{"ignored":true}',
    headers: { 'x-request-id': 'agg-req-7', authorization: 'Bearer t0ken', cookie: 'session=1', 'x-custom': 'v', 'content-type': 'application/json', 'accept-encoding': 'gzip', 'if-none-match': '"e"' },
  })
  assert.equal(response.status, 200, response.body)
  assert.equal(response.headers['x-request-id'], 'agg-req-7')
  const { withAuth, plain } = response.json<{ withAuth: EchoBody; plain: EchoBody }>()
  for (const echoed of [withAuth, plain]) {
    assert.equal(echoed.headers['x-request-id'], 'agg-req-7')
    assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1')
    assert.equal(echoed.headers['x-custom'], 'v')
    assert.equal(echoed.headers.accept, 'application/json')
    assert.equal(echoed.headers['accept-encoding'], 'identity')
    assert.equal(echoed.headers.cookie, undefined)
    assert.equal(echoed.headers['if-none-match'], undefined)
    assert.equal(echoed.headers['content-type'], undefined)
    assert.equal(echoed.body, '', 'the client body is never forwarded')
  }
  assert.deepEqual([withAuth.method, withAuth.url, withAuth.headers.authorization], ['GET', '/a?x=1&page=2', 'Bearer t0ken'])
  assert.deepEqual([plain.method, plain.url, plain.headers.authorization], ['POST', '/b', undefined])
})

test('the route policies run before the fan-out: no credentials, no calls; the consumer is forwarded', async () => {
  await using users = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
consumers:
  - { name: alice, apiKeys: ["alice-key-0123456789abcdef"] }
services:
  users: { targets: [${users.url}] }
routes:
  - match: { path: /dash }
    aggregate:
      calls:
        me: { service: users, path: /me }
    policies:
      - apiKey: {}
`))
  const refused = await fetchRaw(`${gw.url}/dash`)
  assertError(refused, 401, 'ERR_UNAUTHORIZED')
  assert.equal(users.hits, 0)
  const response = await fetchRaw(`${gw.url}/dash`, { headers: { 'x-api-key': 'alice-key-0123456789abcdef' } })
  assert.equal(response.status, 200)
  const { me } = response.json<{ me: EchoBody }>()
  assert.equal(me.headers['x-consumer'], 'alice')
  assert.equal(me.headers['x-api-key'], undefined)
})

test('calls go through the service balancer, passive health and circuit breaker', async () => {
  const refused = await deadPort()
  await using healthy = await startUpstream(json({ ok: true }))
  await using failing = await startUpstream(json({}, 0, 500))
  await using gw = await startGateway(gatewayYaml(`
services:
  pair: { targets: [http://127.0.0.1:${refused}, ${healthy.url}], retries: 1 }
  flaky: { targets: [${failing.url}], retries: 0, circuitBreaker: { failures: 1, cooldown: 1m } }
routes:
  - match: { path: /pair }
    aggregate: { calls: { a: { service: pair, path: /a } } }
  - match: { path: /flaky }
    aggregate: { calls: { a: { service: flaky, path: /a } } }
`))
  for (let i = 0; i < 3; i++) {
    const response = await fetchRaw(`${gw.url}/pair`)
    assert.equal(response.status, 200, 'a refused connection is retried on the other target')
    assert.deepEqual(response.json(), { a: { ok: true } })
  }
  assertError(await fetchRaw(`${gw.url}/flaky`), 502, 'ERR_UPSTREAM_STATUS')
  assertError(await fetchRaw(`${gw.url}/flaky`), 503, 'ERR_CIRCUIT_OPEN')
  assert.equal(failing.hits, 1, 'the open circuit kept the second call from the service')
})

test('a client that leaves cancels the calls in flight', async () => {
  const slow = hanging()
  await using users = await startUpstream(slow.handler)
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${users.url}] }
routes:
  - match: { path: /dash }
    aggregate: { calls: { user: { service: users, path: /u } } }
`))
  await assert.rejects(fetchRaw(`${gw.url}/dash`, { timeoutMs: 200 }))
  await eventually(() => slow.aborted() === 1, 2000, 'the upstream to see the request aborted')
})

test('failed calls are counted per service in portico_upstream_errors_total, optional ones included', async () => {
  await using broken = await startUpstream((_q, res) => {
    res.statusCode = 500
    res.end('{}')
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  gone: { targets: [http://127.0.0.1:9], retries: 0 }
  broken: { targets: [${broken.url}], retries: 0 }
routes:
  - match: { path: /agg }
    aggregate:
      calls:
        a: { service: gone, path: /a, optional: true }
        b: { service: broken, path: /b, optional: true }
`))
  const response = await fetchRaw(`${gw.url}/agg`)
  assert.equal(response.status, 200)
  const scrape = await gw.gateway.metrics.scrape()
  assert.match(scrape, /portico_upstream_errors_total\{service="gone",code="ERR_UPSTREAM_CONNECT"\} 1/)
  assert.match(scrape, /portico_upstream_errors_total\{service="broken",code="ERR_UPSTREAM_STATUS"\} 1/)
})
