// Header rules of a proxy (RFC 9110 §7.6): hop-by-hop removal both ways, forwarding headers,
// Via, and the request id.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { fetchRaw } from '../helpers/http-client.js'

async function setup(handler?: Parameters<typeof startUpstream>[0]) {
  const upstream = await startUpstream(handler)
  const gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
`))
  return {
    upstream,
    gw,
    async [Symbol.asyncDispose]() {
      await gw.close()
      await upstream.close()
    },
  }
}

test('hop-by-hop request headers and those named by Connection are not forwarded', async () => {
  await using env = await setup()
  const response = await fetchRaw(`${env.gw.url}/x`, {
    headers: {
      connection: 'keep-alive, X-Private-Hop',
      'x-private-hop': 'secret',
      'keep-alive': 'timeout=5',
      'proxy-connection': 'keep-alive',
      te: 'trailers',
      upgrade: 'h2c',
      'x-end-to-end': 'kept',
    },
  })
  const echoed = response.json<EchoBody>()
  for (const name of ['x-private-hop', 'keep-alive', 'proxy-connection', 'te', 'upgrade']) {
    assert.equal(echoed.headers[name], undefined, `${name} must not reach the upstream`)
  }
  assert.notEqual(echoed.headers.connection, 'keep-alive, X-Private-Hop')
  assert.equal(echoed.headers['x-end-to-end'], 'kept')
})

test('hop-by-hop response headers and those named by Connection are not returned', async () => {
  await using env = await setup((_req, res) => {
    res.setHeader('connection', 'x-upstream-secret')
    res.setHeader('x-upstream-secret', '1')
    res.setHeader('keep-alive', 'timeout=99')
    res.setHeader('proxy-connection', 'close')
    res.setHeader('x-kept', 'yes')
    res.end('ok')
  })
  const response = await fetchRaw(`${env.gw.url}/x`)
  assert.equal(response.status, 200)
  assert.equal(response.headers['x-upstream-secret'], undefined)
  assert.equal(response.headers['proxy-connection'], undefined)
  assert.notEqual(response.headers['keep-alive'], 'timeout=99')
  assert.equal(response.headers['x-kept'], 'yes')
  assert.equal(response.body, 'ok')
})

test('X-Forwarded-*, Forwarded and Via describe the hop; an untrusted client cannot forge them', async () => {
  await using env = await setup()
  const response = await fetchRaw(`${env.gw.url}/x`, {
    headers: { host: 'shop.example.com', 'x-forwarded-for': '6.6.6.6', forwarded: 'for=6.6.6.6', 'x-forwarded-proto': 'https', via: '1.0 client-proxy' },
  })
  const echoed = response.json<EchoBody>()
  assert.equal(echoed.headers['x-forwarded-for'], '127.0.0.1')
  assert.equal(echoed.headers['x-forwarded-proto'], 'http')
  assert.equal(echoed.headers['x-forwarded-host'], 'shop.example.com')
  assert.equal(echoed.headers.forwarded, 'for=127.0.0.1;proto=http;host=shop.example.com')
  assert.equal(echoed.headers.via, '1.0 client-proxy, 1.1 portico')
  assert.equal(response.headers.via, '1.1 portico')
})

test('a valid client X-Request-Id is propagated both ways; an invalid one is replaced', async () => {
  await using env = await setup()
  let response = await fetchRaw(`${env.gw.url}/x`, { headers: { 'x-request-id': 'abc-123.trace:1' } })
  assert.equal(response.headers['x-request-id'], 'abc-123.trace:1')
  assert.equal(response.json<EchoBody>().headers['x-request-id'], 'abc-123.trace:1')
  response = await fetchRaw(`${env.gw.url}/x`, { headers: { 'x-request-id': 'bad id with spaces' } })
  const generated = response.headers['x-request-id'] as string
  assert.match(generated, /^[0-9a-f-]{36}$/)
  assert.equal(response.json<EchoBody>().headers['x-request-id'], generated)
})

test('a request body is forwarded with its length; a chunked one is re-framed by the gateway', async () => {
  await using env = await setup()
  let echoed = (await fetchRaw(`${env.gw.url}/x`, { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } })).json<EchoBody>()
  assert.equal(echoed.body, 'hello')
  assert.equal(echoed.headers['content-length'], '5')
  echoed = (await fetchRaw(`${env.gw.url}/x`, { method: 'POST', body: 'chunked body', headers: { 'transfer-encoding': 'chunked' } })).json<EchoBody>()
  assert.equal(echoed.body, 'chunked body')
  // Framing is hop-by-hop: the gateway may send chunked, or a length when it already has the
  // whole (small) body; never both, and never the client's framing verbatim with a wrong length.
  const framing = String(echoed.headers['transfer-encoding'] ?? `length ${String(echoed.headers['content-length'])}`)
  assert.ok(framing === 'chunked' || framing === 'length 12', framing)
})

test('header names with underscores are dropped; X-Real-IP is the gateway\'s, never the client\'s', async () => {
  await using env = await setup()
  const echoed = (await fetchRaw(`${env.gw.url}/x`, { headers: { x_consumer: 'admin', 'x-real-ip': '6.6.6.6', 'true-client-ip': '6.6.6.6', 'x-kept': 'yes' } })).json<EchoBody>()
  assert.equal(echoed.headers.x_consumer, undefined)
  assert.equal(echoed.headers['x-real-ip'], '127.0.0.1')
  assert.equal(echoed.headers['true-client-ip'], undefined)
  assert.equal(echoed.headers['x-kept'], 'yes')
})
