// Slow or malformed clients: header timeout, header size limit, garbage on the wire. Each gets
// a 4xx (or a closed socket) and the gateway keeps serving.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { connect } from 'node:net'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { fetchRaw } from '../helpers/http-client.js'

/** Writes raw bytes, returns everything the server sent until it closed (or the timeout). */
function rawExchange(port: number, write: (socket: import('node:net').Socket) => void, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => write(socket))
    let received = ''
    socket.on('data', (chunk: Buffer) => (received += chunk.toString()))
    socket.on('close', () => resolve(received))
    socket.on('error', (error) => ((error as NodeJS.ErrnoException).code === 'ECONNRESET' ? resolve(received) : reject(error)))
    setTimeout(() => {
      socket.destroy()
      reject(new Error(`socket still open after ${timeoutMs} ms; received: ${received}`))
    }, timeoutMs).unref()
  })
}

const config = gatewayYaml(`
server: { headerTimeout: 300ms, requestTimeout: 2s, maxHeaderSize: 2kb }
routes:
  - match: { path: /ok }
    respond: { body: fine }
`)

test('a client too slow to send its headers gets a 408 and the connection closes', async () => {
  await using gw = await startGateway(config)
  const started = Date.now()
  const answer = await rawExchange(gw.port, (socket) => socket.write('GET /ok HTTP/1.1\r\nHost: x\r\nX-Slow: '))
  assert.match(answer, /^HTTP\/1\.1 408 /)
  assert.ok(Date.now() - started < 3000)
  assert.equal((await fetchRaw(`${gw.url}/ok`)).body, 'fine')
})

test('headers above the size limit get a 431 with a JSON body', async () => {
  await using gw = await startGateway(config)
  const answer = await rawExchange(gw.port, (socket) => socket.write(`GET /ok HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(4096)}\r\n\r\n`))
  assert.match(answer, /^HTTP\/1\.1 431 /)
  assert.match(answer, /"code":"ERR_HEADERS_TOO_LARGE"/)
})

test('malformed requests get a 400 with a JSON body, never a crash', async () => {
  await using gw = await startGateway(config)
  for (const garbage of ['GARBAGE\r\n\r\n', 'GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n', 'GET /ok HTTP/1.1\r\nBad Header\r\n\r\n', 'GET /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n']) {
    const answer = await rawExchange(gw.port, (socket) => socket.write(garbage))
    assert.match(answer, /^HTTP\/1\.1 400 /, JSON.stringify(garbage))
    assert.match(answer, /"code":"ERR_BAD_REQUEST"/)
  }
  assert.equal((await fetchRaw(`${gw.url}/ok`)).body, 'fine')
})

test('a client that disconnects mid-request does not disturb the gateway', async () => {
  await using gw = await startGateway(config)
  await rawExchange(gw.port, (socket) => {
    socket.write('POST /ok HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc')
    setTimeout(() => socket.destroy(), 50)
  })
  assert.equal((await fetchRaw(`${gw.url}/ok`)).body, 'fine')
})
