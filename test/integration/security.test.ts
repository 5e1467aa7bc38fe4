// IP allow/deny lists with trusted proxies, CORS, and request size limits, through real sockets.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { fetchRaw } from '../helpers/http-client.js'

test('ipFilter: deny wins over allow, allow lists exclude the rest, IPv6 CIDRs work', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /internal/* }
    service: app
    policies:
      - ipFilter: { allow: [127.0.0.0/29, "::1/128"], deny: [127.0.0.3] }
  - match: { path: /public/* }
    service: app
    policies:
      - ipFilter: { deny: ["127.0.0.5/32", "2001:db8::/32"] }
`))
  const status = async (path: string, localAddress: string): Promise<number> => (await fetchRaw(`${gw.url}${path}`, { localAddress })).status
  assert.equal(await status('/internal/a', '127.0.0.2'), 200)
  assert.equal(await status('/internal/a', '127.0.0.3'), 403, 'deny wins')
  assert.equal(await status('/internal/a', '127.0.0.9'), 403, 'not on the allow list')
  assert.equal(await status('/public/a', '127.0.0.9'), 200)
  assert.equal(await status('/public/a', '127.0.0.5'), 403)
  const refused = await fetchRaw(`${gw.url}/internal/a`, { localAddress: '127.0.0.9' })
  assert.equal(refused.json<{ error: { code: string } }>().error.code, 'ERR_FORBIDDEN')
})

test('a forged X-Forwarded-For from an untrusted peer is ignored; from a trusted proxy it is walked from the right', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
server: { trustedProxies: [127.0.0.10/31] }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - ipFilter: { deny: [203.0.113.0/24] }
`))
  // An untrusted client claims to be someone else: its own address is used, and the header is replaced.
  let response = await fetchRaw(`${gw.url}/x`, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '198.51.100.1' } })
  assert.equal(response.status, 200)
  assert.equal(response.json<EchoBody>().headers['x-forwarded-for'], '127.0.0.2')
  // A client cannot forge its way past a deny list either way.
  response = await fetchRaw(`${gw.url}/x`, { localAddress: '127.0.0.2', headers: { 'x-forwarded-for': '203.0.113.7' } })
  assert.equal(response.status, 200)
  // Through a trusted proxy (127.0.0.10), the client address comes from the header...
  response = await fetchRaw(`${gw.url}/x`, { localAddress: '127.0.0.10', headers: { 'x-forwarded-for': '203.0.113.7' } })
  assert.equal(response.status, 403, 'the real client behind the trusted proxy is denied')
  // ...walking past trusted hops, never trusting what the client itself prepended.
  response = await fetchRaw(`${gw.url}/x`, { localAddress: '127.0.0.10', headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.1, 127.0.0.11' } })
  assert.equal(response.status, 200)
  assert.equal(response.json<EchoBody>().headers['x-forwarded-for'], '203.0.113.7, 198.51.100.1, 127.0.0.11, 127.0.0.10')
})

test('cors: preflights answered at the gateway, allowed origins echoed, Vary: Origin, local replies included', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /api/*, methods: [GET, POST] }
    service: app
    policies:
      - cors: { origins: ["https://app.example.com", "https://*.example.org"], credentials: true, exposeHeaders: [x-total], maxAge: 1h, allowHeaders: [content-type, authorization] }
      - ipFilter: { deny: [127.0.0.7] }
`))
  let response = await fetchRaw(`${gw.url}/api/orders`, { method: 'OPTIONS', headers: { origin: 'https://shop.eu.example.org', 'access-control-request-method': 'POST', 'access-control-request-headers': 'Content-Type' } })
  assert.equal(response.status, 204)
  assert.equal(response.headers['access-control-allow-origin'], 'https://shop.eu.example.org')
  assert.equal(response.headers['access-control-allow-credentials'], 'true')
  assert.equal(response.headers['access-control-allow-methods'], 'GET, HEAD, PUT, PATCH, POST, DELETE')
  assert.equal(response.headers['access-control-allow-headers'], 'content-type, authorization')
  assert.equal(response.headers['access-control-max-age'], '3600')
  assert.equal(upstream.hits, 0, 'the preflight never reached the service')
  response = await fetchRaw(`${gw.url}/api/orders`, { method: 'OPTIONS', headers: { origin: 'https://evil.test', 'access-control-request-method': 'POST' } })
  assert.equal(response.status, 403)
  assert.equal(response.headers['access-control-allow-origin'], undefined)
  response = await fetchRaw(`${gw.url}/api/orders`, { headers: { origin: 'https://app.example.com' } })
  assert.equal(response.status, 200)
  assert.equal(response.headers['access-control-allow-origin'], 'https://app.example.com')
  assert.equal(response.headers['access-control-expose-headers'], 'x-total')
  assert.match(String(response.headers.vary), /Origin/)
  response = await fetchRaw(`${gw.url}/api/orders`, { headers: { origin: 'https://evil.test' } })
  assert.equal(response.headers['access-control-allow-origin'], undefined)
  assert.match(String(response.headers.vary), /Origin/)
  // A refusal by a later policy still carries CORS headers, so the browser can read the error.
  response = await fetchRaw(`${gw.url}/api/orders`, { localAddress: '127.0.0.7', headers: { origin: 'https://app.example.com' } })
  assert.equal(response.status, 403)
  assert.equal(response.headers['access-control-allow-origin'], 'https://app.example.com')
})

test('request limits: 413 for a declared or a streamed (chunked) body over bodyLimit, 414 for a long URL, 431 for too many headers', async () => {
  let received = 0
  await using upstream = await startUpstream((req, res) => {
    req.on('data', (chunk: Buffer) => (received += chunk.length))
    req.on('end', () => res.end('stored'))
  })
  await using gw = await startGateway(gatewayYaml(`
server: { maxUrlLength: 200, maxHeaderCount: 20 }
services:
  app: { targets: [${upstream.url}] }
policies:
  - bodyLimit: { maxSize: 64kb }
routes:
  - match: { path: /* }
    service: app
`))
  let response = await fetchRaw(`${gw.url}/upload`, { method: 'POST', body: Buffer.alloc(70 * 1024) })
  assert.equal(response.status, 413)
  assert.equal(received, 0, 'a declared oversize body is refused before anything is forwarded')
  response = await fetchRaw(`${gw.url}/upload`, { method: 'POST', body: Buffer.alloc(10 * 1024) })
  assert.equal(response.status, 200)
  // A chunked body with no Content-Length is cut off while streaming.
  received = 0
  const streamed = await new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = httpRequest(`${gw.url}/upload`, { method: 'POST', agent: false }, (res) => {
      let body = ''
      res.on('data', (chunk: Buffer) => (body += chunk.toString()))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
    })
    req.on('error', reject)
    let sent = 0
    Readable.from((function* () {
      while (sent < 10 * 1024 * 1024) {
        sent += 16 * 1024
        yield Buffer.alloc(16 * 1024)
      }
    })()).pipe(req)
  })
  assert.equal(streamed.status, 413)
  assert.equal((JSON.parse(streamed.body) as { error: { code: string } }).error.code, 'ERR_BODY_TOO_LARGE')
  assert.ok(received <= 64 * 1024 + 16 * 1024, `the upstream got ${received} bytes`)
  response = await fetchRaw(`${gw.url}/${'a'.repeat(300)}`)
  assert.equal(response.status, 414)
  const headers: Record<string, string> = {}
  for (let i = 0; i < 30; i++) headers[`x-h${i}`] = 'v'
  response = await fetchRaw(`${gw.url}/x`, { headers })
  assert.equal(response.status, 431)
})
