// WebSocket upgrades through the gateway with a real client and server (ws).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { once } from 'node:events'
import { WebSocket, WebSocketServer } from 'ws'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'

test('a WebSocket connection is proxied both ways, with the request id and forwarding headers', async () => {
  await using upstream = await startUpstream((_req, res) => res.end('plain http'))
  const wss = new WebSocketServer({ server: upstream.server })
  let upgradeHeaders: Record<string, string | string[] | undefined> = {}
  wss.on('connection', (socket, req) => {
    upgradeHeaders = req.headers
    socket.on('message', (data) => socket.send(`echo:${String(data)}`))
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  chat: { targets: [${upstream.url}] }
routes:
  - match: { path: /ws/* }
    service: chat
    rewrite: { stripPrefix: /ws }
`))
  const client = new WebSocket(`ws://127.0.0.1:${gw.port}/ws/room/1`)
  // 'upgrade' and 'open' fire in the same tick: listen for both before awaiting either.
  const opened = once(client, 'open')
  const [response] = (await once(client, 'upgrade')) as [import('node:http').IncomingMessage]
  await opened
  assert.match(String(response.headers['x-request-id']), /^[0-9a-f-]{36}$/)
  client.send('hello')
  const [message] = await once(client, 'message')
  assert.equal(String(message), 'echo:hello')
  // A large message crosses in both directions intact.
  const big = 'x'.repeat(1024 * 1024)
  client.send(big)
  const [bigEcho] = await once(client, 'message')
  assert.equal(String(bigEcho).length, big.length + 5)
  assert.equal(upgradeHeaders['x-forwarded-for'], '127.0.0.1')
  assert.equal(upgradeHeaders['x-request-id'], response.headers['x-request-id'])
  client.close()
  await once(client, 'close')
  wss.close()
})

test('an upgrade the upstream refuses is answered with its response; no route is a 404', async () => {
  await using upstream = await startUpstream((_req, res) => {
    res.statusCode = 403
    res.end('no websockets here')
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /ws }
    service: app
`))
  const refused = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`)
  const [, response] = (await once(refused, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage]
  assert.equal(response.statusCode, 403)
  response.resume()
  const missing = new WebSocket(`ws://127.0.0.1:${gw.port}/nowhere`)
  const [, notFound] = (await once(missing, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage]
  assert.equal(notFound.statusCode, 404)
  notFound.resume()
})

test('an upgrade to a target that is down is a 502', async () => {
  await using gw = await startGateway(gatewayYaml(`
services:
  gone: { targets: [http://127.0.0.1:9], retries: 0 }
routes:
  - match: { path: /ws }
    service: gone
`))
  const client = new WebSocket(`ws://127.0.0.1:${gw.port}/ws`)
  const [, response] = (await once(client, 'unexpected-response')) as [unknown, import('node:http').IncomingMessage]
  assert.equal(response.statusCode, 502)
  response.resume()
})

test('a client that resets during an unanswered upgrade does not disturb the gateway', async () => {
  await using silent = await startUpstream(() => {})
  silent.server.on('upgrade', () => {}) // accepts the handshake request, never answers it
  await using gw = await startGateway(gatewayYaml(`
services:
  hang: { targets: [${silent.url}], retries: 0, timeout: 5s }
routes:
  - match: { path: /ws }
    service: hang
  - match: { path: /ok }
    respond: { body: fine }
`))
  const { connect } = await import('node:net')
  const socket = connect(gw.port, '127.0.0.1', () => {
    socket.write('GET /ws HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n')
    setTimeout(() => socket.resetAndDestroy(), 200)
  })
  socket.on('error', () => {})
  await once(socket, 'close')
  await new Promise((resolve) => setTimeout(resolve, 100))
  const response = await fetch(`http://127.0.0.1:${gw.port}/ok`)
  assert.equal(await response.text(), 'fine')
})
