// TLS termination with real handshakes: SNI certificate choice, HTTP/2 by ALPN next to HTTP/1.1,
// certificates reloaded from disk without dropping connections, redirect to https, mutual TLS,
// and verified https upstreams.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs'
import { connect as http2Connect } from 'node:http2'
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https'
import { createServer as createHttpsServer } from 'node:https'
import { connect as tlsConnect, type PeerCertificate } from 'node:tls'
import { join } from 'node:path'
import { once } from 'node:events'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, echo, type EchoBody } from '../helpers/start-upstream.js'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { makePki } from '../helpers/make-certs.js'

const pki = makePki()
const api = pki.server('api', ['api.example.com', '*.example.com'])
const other = pki.server('other', ['other.test'])
const ca = readFileSync(pki.ca)

/** The certificate the gateway presents for a given SNI name (undefined: no SNI). */
async function servedCertificate(port: number, servername: string | undefined): Promise<PeerCertificate> {
  const socket = tlsConnect({ host: '127.0.0.1', port, ca, ...(servername ? { servername } : {}), rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] })
  await once(socket, 'secureConnect')
  const certificate = socket.getPeerCertificate()
  socket.destroy()
  return certificate
}

function httpsGet(port: number, path: string, options: { servername?: string; cert?: Buffer; key?: Buffer; headers?: Record<string, string>; agent?: HttpsAgent } = {}): Promise<{ status: number; body: string; headers: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(
      { host: '127.0.0.1', port, path, ca, servername: options.servername ?? 'api.example.com', headers: { host: options.servername ?? 'api.example.com', ...options.headers }, cert: options.cert, key: options.key, agent: options.agent ?? false },
      (res) => {
        let body = ''
        res.on('data', (chunk: Buffer) => (body += chunk.toString()))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body, headers: res.headers }))
      },
    )
    req.on('error', reject)
    req.end()
  })
}

function tlsListener(extra = ''): string {
  return `
workers: 1
logging: { level: silent, accessLog: false }
listeners:
  - port: 0
    host: 127.0.0.1
    tls:
      certificates:
        - { cert: ${api.cert}, key: ${api.key} }
        - { cert: ${other.cert}, key: ${other.key}, default: true }
${extra}`
}

test('SNI picks the certificate by exact and wildcard name, the default otherwise', async () => {
  await using gw = await startGateway(tlsListener() + 'routes:\n  - { match: { path: /* }, respond: { body: ok } }\n')
  assert.match((await servedCertificate(gw.port, 'api.example.com')).subjectaltname ?? '', /DNS:api\.example\.com/)
  assert.match((await servedCertificate(gw.port, 'shop.example.com')).subjectaltname ?? '', /DNS:\*\.example\.com/)
  assert.equal((await servedCertificate(gw.port, 'unknown.test')).subject.CN, 'other.test')
  assert.equal((await servedCertificate(gw.port, undefined)).subject.CN, 'other.test')
  // A wildcard covers exactly one label.
  assert.equal((await servedCertificate(gw.port, 'a.b.example.com')).subject.CN, 'other.test')
})

test('TLS 1.2 is the floor by default; minVersion: TLSv1.3 refuses TLS 1.2 clients', async () => {
  await using tls12 = await startGateway(tlsListener() + 'routes:\n  - { match: { path: /* }, respond: { body: ok } }\n')
  const handshake = async (port: number, maxVersion: 'TLSv1.1' | 'TLSv1.2'): Promise<string> => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca, servername: 'api.example.com', minVersion: 'TLSv1', maxVersion })
    try {
      await once(socket, 'secureConnect')
      return socket.getProtocol() ?? 'unknown'
    } catch (error) {
      return `refused: ${(error as Error).message}`
    } finally {
      socket.destroy()
    }
  }
  assert.match(await handshake(tls12.port, 'TLSv1.1'), /^refused/)
  assert.equal(await handshake(tls12.port, 'TLSv1.2'), 'TLSv1.2')
  await using tls13 = await startGateway(`
workers: 1
logging: { level: silent, accessLog: false }
listeners:
  - port: 0
    host: 127.0.0.1
    tls: { certificates: [{ cert: ${api.cert}, key: ${api.key} }], minVersion: TLSv1.3 }
routes:
  - { match: { path: /* }, respond: { body: ok } }
`)
  assert.match(await handshake(tls13.port, 'TLSv1.2'), /^refused/)
})

test('HTTP/2 over TLS (ALPN) and HTTP/1.1 on the same port, proxied to an HTTP/1.1 upstream', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(tlsListener(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
`))
  const session = http2Connect(`https://127.0.0.1:${gw.port}`, { ca, servername: 'api.example.com' })
  const stream = session.request({ ':path': '/h2/path?q=1', ':method': 'POST', ':authority': 'api.example.com', 'content-type': 'text/plain' })
  stream.end('h2 body')
  const [headers] = (await once(stream, 'response')) as [Record<string, string>]
  let text = ''
  for await (const chunk of stream) text += String(chunk)
  session.close()
  assert.equal(headers[':status'], 200)
  assert.match(headers['x-request-id'] as string, /^[0-9a-f-]{36}$/)
  const echoed = JSON.parse(text) as EchoBody
  assert.equal(echoed.method, 'POST')
  assert.equal(echoed.url, '/h2/path?q=1')
  assert.equal(echoed.body, 'h2 body')
  assert.equal(echoed.headers['x-forwarded-proto'], 'https')
  assert.equal(echoed.headers['x-forwarded-host'], 'api.example.com')
  assert.equal(echoed.headers.via, '2 portico')
  assert.ok(!echoed.rawHeaders.some((name) => name.startsWith(':')), 'no pseudo-headers upstream')
  const http1 = await httpsGet(gw.port, '/h1')
  assert.equal(http1.status, 200)
  assert.equal((JSON.parse(http1.body) as EchoBody).headers.via, '1.1 portico')
})

test('a certificate replaced on disk is served to new handshakes; open connections keep working; a broken one is refused', async () => {
  const dir = pki.dir
  const live = { cert: join(dir, 'live.pem'), key: join(dir, 'live.key') }
  copyFileSync(api.cert, live.cert)
  copyFileSync(api.key, live.key)
  const renewed = pki.server('renewed', ['api.example.com', 'renewed.example.com'])
  await using gw = await startGateway(`
workers: 1
logging: { level: silent, accessLog: false }
listeners:
  - port: 0
    host: 127.0.0.1
    tls: { certificates: [{ cert: ${live.cert}, key: ${live.key} }] }
routes:
  - { match: { path: /* }, respond: { body: ok } }
`)
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 1 })
  assert.equal((await httpsGet(gw.port, '/', { agent })).body, 'ok')
  const before = (await servedCertificate(gw.port, 'api.example.com')).serialNumber
  copyFileSync(renewed.cert, live.cert)
  copyFileSync(renewed.key, live.key)
  await eventually(async () => (await servedCertificate(gw.port, 'api.example.com')).serialNumber !== before, 5000, 'the renewed certificate')
  assert.match((await servedCertificate(gw.port, 'api.example.com')).subjectaltname ?? '', /renewed\.example\.com/)
  // The connection opened before the swap still serves requests.
  assert.equal((await httpsGet(gw.port, '/', { agent })).body, 'ok')
  // A broken certificate on disk is refused: the renewed one keeps serving.
  const serving = (await servedCertificate(gw.port, 'api.example.com')).serialNumber
  writeFileSync(live.cert, '-----BEGIN CERTIFICATE-----\nnot a certificate\n-----END CERTIFICATE-----\n')
  await new Promise((resolve) => setTimeout(resolve, 600))
  assert.equal((await servedCertificate(gw.port, 'api.example.com')).serialNumber, serving)
  assert.equal((await httpsGet(gw.port, '/')).body, 'ok')
  agent.destroy()
})

test('a plain listener with redirectToHttps answers 308 to the https URL', async () => {
  await using gw = await startGateway(`
workers: 1
logging: { level: silent, accessLog: false }
listeners:
  - { port: 0, host: 127.0.0.1, redirectToHttps: { port: 8443 } }
routes:
  - { match: { path: /* }, respond: { body: ok } }
`)
  const response = await fetchRaw(`${gw.url}/orders?id=7`, { headers: { host: 'shop.example.com' }, method: 'POST' })
  assert.equal(response.status, 308)
  assert.equal(response.headers.location, 'https://shop.example.com:8443/orders?id=7')
  // Without a usable Host there is nowhere to redirect to: a 400, and the listener keeps serving.
  const bad = await fetchRaw(`${gw.url}/x`, { headers: { host: 'a b' } })
  assert.equal(bad.status, 400)
  assert.equal(typeof bad.json<{ requestId: string }>().requestId, 'string')
  assert.equal((await fetchRaw(`${gw.url}/x`, { headers: { host: 'ok.example.com' } })).status, 308)
})

test('mutual TLS: no client certificate, no handshake; a verified subject is forwarded, a forged one dropped', async () => {
  await using upstream = await startUpstream()
  const alice = pki.client('alice')
  await using gw = await startGateway(`
workers: 1
logging: { level: silent, accessLog: false }
listeners:
  - port: 0
    host: 127.0.0.1
    tls:
      certificates: [{ cert: ${api.cert}, key: ${api.key} }]
      clientCertificate: required
      clientCa: ${pki.ca}
      forwardClientSubject: X-Client-Subject
services:
  app: { targets: [${upstream.url}] }
routes:
  - { match: { path: /* }, service: app }
`)
  await assert.rejects(httpsGet(gw.port, '/'), /certificate|alert|socket hang up|ECONNRESET/i)
  const response = await httpsGet(gw.port, '/', { cert: readFileSync(alice.cert), key: readFileSync(alice.key), headers: { 'x-client-subject': 'CN=mallory' } })
  assert.equal(response.status, 200)
  const echoed = JSON.parse(response.body) as EchoBody
  assert.equal(echoed.headers['x-client-subject'], 'CN=alice,O=Acme')
})

test('https upstreams are verified: a trusted CA works, an untrusted certificate is a 502', async () => {
  const upstreamCert = pki.server('upstream', ['backend.internal'])
  const server = createHttpsServer({ cert: readFileSync(upstreamCert.cert), key: readFileSync(upstreamCert.key) }, echo)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await using gw = await startGateway(gatewayYaml(`
services:
  trusted: { targets: [https://127.0.0.1:${port}], tls: { ca: ${pki.ca}, servername: backend.internal } }
  untrusted: { targets: [https://127.0.0.1:${port}], tls: { servername: backend.internal }, retries: 0 }
routes:
  - { match: { path: /trusted }, service: trusted }
  - { match: { path: /untrusted }, service: untrusted }
`))
  const ok = await fetchRaw(`${gw.url}/trusted`)
  assert.equal(ok.status, 200)
  assert.equal(ok.json<EchoBody>().url, '/trusted')
  const refused = await fetchRaw(`${gw.url}/untrusted`)
  assert.equal(refused.status, 502)
  assert.equal(refused.json<{ error: { code: string } }>().error.code, 'ERR_UPSTREAM_TLS')
  server.closeAllConnections()
  server.close()
})

test('mutual TLS optional: clients without a certificate pass without a subject; verified ones carry it', async () => {
  await using upstream = await startUpstream()
  const bob = pki.client('bob')
  await using gw = await startGateway(`
workers: 1
logging: { level: silent, accessLog: false }
listeners:
  - port: 0
    host: 127.0.0.1
    tls:
      certificates: [{ cert: ${api.cert}, key: ${api.key} }]
      clientCertificate: optional
      clientCa: ${pki.ca}
      forwardClientSubject: X-Client-Subject
services:
  app: { targets: [${upstream.url}] }
routes:
  - { match: { path: /* }, service: app }
`)
  const anonymous = await httpsGet(gw.port, '/', { headers: { 'x-client-subject': 'CN=forged' } })
  assert.equal(anonymous.status, 200)
  assert.equal((JSON.parse(anonymous.body) as EchoBody).headers['x-client-subject'], undefined)
  const withCert = await httpsGet(gw.port, '/', { cert: readFileSync(bob.cert), key: readFileSync(bob.key) })
  assert.equal((JSON.parse(withCert.body) as EchoBody).headers['x-client-subject'], 'CN=bob,O=Acme')
})
