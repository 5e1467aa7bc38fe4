// Routing through a real gateway: each match kind, precedence, rewrites, redirects, fixed replies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { fetchRaw } from '../helpers/http-client.js'

test('match kinds and precedence pick the expected service, and rewrites shape the upstream path', async () => {
  await using a = await startUpstream(undefined, { name: 'a' })
  await using b = await startUpstream(undefined, { name: 'b' })
  await using gw = await startGateway(gatewayYaml(`
services:
  a: { targets: [${a.url}] }
  b: { targets: [${b.url}] }
routes:
  - name: users
    match: { host: api.example.com, path: /api/users/*, methods: [GET, POST], headers: { x-api-version: "2" } }
    service: b
    rewrite: { stripPrefix: /api }
  - name: user-by-id
    match: { path: /api/users/:id }
    service: a
    rewrite: { path: /v2/users/:id }
  - name: wildcard-host
    match: { host: "*.example.com", path: /* }
    service: b
    rewrite: { addPrefix: /wild }
  - name: beta
    match: { path: /search, query: { beta: "1" } }
    service: b
  - name: search
    match: { path: /search }
    service: a
  - name: fallback
    match: { path: /* }
    service: a
`))
  const call = async (path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<EchoBody> => {
    const response = await fetchRaw(`${gw.url}${path}`, { headers, method })
    assert.equal(response.status, 200, `${method} ${path}`)
    return response.json<EchoBody>()
  }
  // host + path + method + header: the most conditions; its prefix is stripped.
  let echoed = await call('/api/users/7/orders?x=1', { host: 'api.example.com', 'x-api-version': '2' })
  assert.deepEqual([echoed.upstream, echoed.url], ['b', '/users/7/orders?x=1'])
  // Without the header, the exact host routes are skipped: the param route (no host) rewrites.
  echoed = await call('/api/users/7?x=1', { host: 'api.example.com' })
  assert.deepEqual([echoed.upstream, echoed.url], ['b', '/wild/api/users/7?x=1'])
  echoed = await call('/api/users/7?x=1', { host: 'other.test' })
  assert.deepEqual([echoed.upstream, echoed.url], ['a', '/v2/users/7?x=1'])
  // Query conditions.
  echoed = await call('/search?beta=1&q=x')
  assert.equal(echoed.upstream, 'b')
  echoed = await call('/search?q=x')
  assert.equal(echoed.upstream, 'a')
  // A method outside the list on the host route falls through to the less specific ones.
  echoed = await call('/api/users/7', { host: 'api.example.com', 'x-api-version': '2' }, 'DELETE')
  assert.deepEqual([echoed.upstream, echoed.url], ['b', '/wild/api/users/7'])
})

test('dot segments are resolved before matching, so ../ cannot reach another route', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /public/* }
    service: app
  - match: { path: /admin/* }
    respond: { status: 403, body: admin is closed }
`))
  const response = await fetchRaw(`${gw.url}/public/%2e%2e/admin/secrets`)
  assert.equal(response.status, 403)
  const plain = await fetchRaw(`${gw.url}/public/a/../b`)
  assert.equal(plain.json<EchoBody>().url, '/public/b')
})

test('redirects carry captured params and the query; fixed replies answer by themselves', async () => {
  await using gw = await startGateway(gatewayYaml(`
routes:
  - match: { path: /old/users/:id }
    redirect: { to: "https://new.example.com/v2/users/:id", status: 301 }
  - match: { path: /docs/* }
    redirect: { to: /documentation/* }
  - match: { path: /ping }
    respond: { status: 200, body: { pong: true }, headers: { cache-control: no-store } }
`))
  let response = await fetchRaw(`${gw.url}/old/users/42?tab=orders`)
  assert.equal(response.status, 301)
  assert.equal(response.headers.location, 'https://new.example.com/v2/users/42?tab=orders')
  response = await fetchRaw(`${gw.url}/docs/a/b`)
  assert.equal(response.status, 302)
  assert.equal(response.headers.location, '/documentation/a/b')
  response = await fetchRaw(`${gw.url}/ping`)
  assert.equal(response.status, 200)
  assert.deepEqual(response.json(), { pong: true })
  assert.equal(response.headers['content-type'], 'application/json')
  assert.equal(response.headers['cache-control'], 'no-store')
})

test('405 with Allow when only the method fails; 404 JSON otherwise; 400 for a bad target', async () => {
  await using gw = await startGateway(gatewayYaml(`
routes:
  - match: { path: /only-get, methods: [GET] }
    respond: { body: ok }
`))
  let response = await fetchRaw(`${gw.url}/only-get`, { method: 'POST' })
  assert.equal(response.status, 405)
  assert.equal(response.headers.allow, 'GET')
  assert.equal(response.json<{ error: { code: string } }>().error.code, 'ERR_METHOD_NOT_ALLOWED')
  response = await fetchRaw(`${gw.url}/missing`)
  assert.equal(response.status, 404)
  const body = response.json<{ error: { code: string; message: string }; status: number; requestId: string }>()
  assert.deepEqual(body, { error: { code: 'ERR_ROUTE_NOT_FOUND', message: 'No route matches this request' }, status: 404, requestId: response.headers['x-request-id'] })
  response = await fetchRaw(`${gw.url}/bad%zzescape`)
  assert.equal(response.status, 400)
})

test('preserveHost sends the client Host upstream; otherwise the target host is used', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /keep }
    service: app
    preserveHost: true
  - match: { path: /replace }
    service: app
`))
  let echoed = (await fetchRaw(`${gw.url}/keep`, { headers: { host: 'shop.example.com' } })).json<EchoBody>()
  assert.equal(echoed.headers.host, 'shop.example.com')
  echoed = (await fetchRaw(`${gw.url}/replace`, { headers: { host: 'shop.example.com' } })).json<EchoBody>()
  assert.equal(echoed.headers.host, `127.0.0.1:${upstream.port}`)
  assert.equal(echoed.headers['x-forwarded-host'], 'shop.example.com')
})

test('a path-relative redirect never leaves the host, whatever the capture holds', async () => {
  await using gw = await startGateway(gatewayYaml(`
routes:
  - match: { path: /old/* }
    redirect: { to: "/*" }
`))
  for (const path of ['/old//evil.example/x', '/old/%5Cevil.example', '/old/\\\\evil.example']) {
    const response = await fetchRaw(`${gw.url}${path}`)
    assert.equal(response.status, 302, path)
    assert.match(String(response.headers.location), /^\/[^/\\]/, `${path} → ${String(response.headers.location)}`)
  }
})

test('a request with two Host (or Content-Type, Authorization) headers, or an HTTP/1.1 request without Host, is a 400', async () => {
  await using gw = await startGateway(gatewayYaml(`
routes:
  - match: { path: /* }
    respond: { body: ok }
`))
  const { connect } = await import('node:net')
  const send = (text: string): Promise<string> =>
    new Promise((resolve) => {
      const socket = connect(gw.port, '127.0.0.1', () => socket.write(text))
      let received = ''
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString()
        if (received.includes('\r\n\r\n')) socket.destroy()
      })
      socket.on('close', () => resolve(received))
    })
  assert.match(await send('GET / HTTP/1.1\r\nHost: public.example.com\r\nHost: admin.internal\r\n\r\n'), /^HTTP\/1\.1 400 /)
  assert.match(await send('GET / HTTP/1.1\r\n\r\n'), /^HTTP\/1\.1 400 /)
  assert.match(await send('GET / HTTP/1.0\r\n\r\n'), /^HTTP\/1\.1 200 /, 'HTTP/1.0 may omit Host')
  assert.match(await send('POST / HTTP/1.1\r\nHost: a\r\nContent-Type: text/plain\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}'), /^HTTP\/1\.1 400 /)
  assert.match(await send('GET / HTTP/1.1\r\nHost: a\r\nAuthorization: Bearer a\r\nAuthorization: Bearer b\r\n\r\n'), /^HTTP\/1\.1 400 /)
})
