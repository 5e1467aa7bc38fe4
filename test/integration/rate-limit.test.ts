// Rate limiting through real sockets: headers, 429 + Retry-After, keys, several windows, two
// gateway processes sharing one real Redis, and a Redis that goes away and comes back.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { Redis } from 'ioredis'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { spawnPortico } from '../helpers/spawn-portico.js'
import { freePort } from '../helpers/ports.js'
import { clearRedisPrefix, testPrefix } from '../helpers/redis.js'

test('limits per client address with RateLimit headers, 429 + Retry-After, and refusals that cost nothing', async () => {
  await using upstream = await startUpstream((_q, r) => r.end('ok'))
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - rateLimit: { limit: 3, window: 1s }
`))
  const get = (localAddress = '127.0.0.1') => fetchRaw(`${gw.url}/x`, { localAddress })
  const first = await get()
  assert.equal(first.status, 200)
  assert.equal(first.headers['ratelimit-policy'], '"3-per-1s";q=3;w=1')
  assert.match(String(first.headers.ratelimit), /^"3-per-1s";r=2;t=[12]$/)
  assert.equal((await get()).status, 200)
  assert.equal((await get()).status, 200)
  const refused = await get()
  assert.equal(refused.status, 429)
  assert.match(String(refused.headers['retry-after']), /^[12]$/, 'the window plus at most one sub-bucket, rounded up')
  assert.match(String(refused.headers.ratelimit), /r=0/)
  assert.equal(refused.json<{ error: { code: string } }>().error.code, 'ERR_RATE_LIMITED')
  assert.equal((await get('127.0.0.2')).status, 200, 'another client has its own counter')
  for (let i = 0; i < 5; i++) assert.equal((await get()).status, 429)
  await new Promise((resolve) => setTimeout(resolve, 1100))
  assert.equal((await get()).status, 200, 'refused requests consumed nothing: the client recovers after one window')
  assert.equal(upstream.hits, 5)
})

test('several windows at once, keyed by consumer', async () => {
  await using upstream = await startUpstream((_q, r) => r.end('ok'))
  await using gw = await startGateway(gatewayYaml(`
consumers:
  - { name: alice, apiKeys: [alice-key-0123456789abcdef] }
  - { name: bob, apiKeys: [bob-key-0123456789abcdefgh] }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - apiKey: {}
      - rateLimit: { limits: [{ limit: 2, window: 500ms }, { limit: 3, window: 1m }], keyBy: [consumer] }
`))
  const as = (key: string) => fetchRaw(`${gw.url}/x`, { headers: { 'x-api-key': key } })
  assert.equal((await as('alice-key-0123456789abcdef')).status, 200)
  assert.equal((await as('alice-key-0123456789abcdef')).status, 200)
  assert.equal((await as('alice-key-0123456789abcdef')).status, 429, 'the short window')
  assert.equal((await as('bob-key-0123456789abcdefgh')).status, 200, 'bob has his own counters')
  await new Promise((resolve) => setTimeout(resolve, 600))
  const third = await as('alice-key-0123456789abcdef')
  assert.equal(third.status, 200)
  assert.match(String(third.headers.ratelimit), /"2-per-500ms";r=\d+;t=\d+, "3-per-1m";r=0;t=\d+/)
  await new Promise((resolve) => setTimeout(resolve, 600))
  const fourth = await as('alice-key-0123456789abcdef')
  assert.equal(fourth.status, 429, 'the long window')
  assert.ok(Number(fourth.headers['retry-after']) > 50)
})

test('two gateway processes on one Redis admit exactly the limit between them', { timeout: 60_000 }, async () => {
  await using upstream = await startUpstream((_q, r) => r.end('ok'))
  const prefix = testPrefix()
  const dir = await mkdtemp(join(tmpdir(), 'portico-rl-'))
  const ports = [await freePort(), await freePort()]
  const replicas: Array<ReturnType<typeof spawnPortico>> = []
  try {
    await Promise.all(ports.map(async (port, i) => {
      const file = join(dir, `replica-${i}.yaml`)
      await writeFile(file, `
workers: 1
logging: { level: info, accessLog: false }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
store: { type: redis, url: redis://127.0.0.1:6379, prefix: "${prefix}" }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - rateLimit: { limit: 25, window: 1m, keyBy: [route] }
`)
      const replica = spawnPortico(['start', '--no-watch', '--config', file])
      replicas.push(replica)
      await replica.waitFor('portico is listening')
    }))
    const statuses = await Promise.all(Array.from({ length: 80 }, (_, i) => fetchRaw(`http://127.0.0.1:${ports[i % 2]}/x`).then((r) => r.status)))
    assert.equal(statuses.filter((s) => s === 200).length, 25)
    assert.equal(statuses.filter((s) => s === 429).length, 55)
    assert.equal(upstream.hits, 25)
  } finally {
    await Promise.all(replicas.map((replica) => replica.stop()))
    await clearRedisPrefix(prefix)
  }
})

/** A private redis-server we can stop and start again. */
async function startRedis(port: number): Promise<ChildProcess> {
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: 'ignore' })
  await eventually(async () => {
    const probe = new Redis({ port, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 })
    probe.on('error', () => {})
    try {
      await probe.connect()
      return (await probe.ping()) === 'PONG'
    } catch {
      return false
    } finally {
      probe.disconnect()
    }
  }, 5000, 'redis-server to start')
  return child
}

test('Redis going away: fail open (or closed, 503) without hanging, and limits again once it is back', { timeout: 60_000 }, async () => {
  const port = await freePort()
  let redis = await startRedis(port)
  await using upstream = await startUpstream((_q, r) => r.end('ok'))
  await using gw = await startGateway(gatewayYaml(`
store: { type: redis, url: "redis://127.0.0.1:${port}", prefix: "portico-test:" }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /open }
    service: app
    policies:
      - rateLimit: { limit: 2, window: 1m, name: open }
  - match: { path: /closed }
    service: app
    policies:
      - rateLimit: { limit: 2, window: 1m, name: closed, onStoreError: deny }
`))
  try {
    assert.deepEqual([(await fetchRaw(`${gw.url}/open`)).status, (await fetchRaw(`${gw.url}/open`)).status, (await fetchRaw(`${gw.url}/open`)).status], [200, 200, 429])
    redis.kill('SIGKILL')
    await once(redis, 'exit')
    const started = Date.now()
    assert.equal((await fetchRaw(`${gw.url}/open`)).status, 200, 'fail open')
    const closed = await fetchRaw(`${gw.url}/closed`)
    assert.equal(closed.status, 503, 'fail closed')
    assert.equal(closed.json<{ error: { code: string } }>().error.code, 'ERR_RATE_LIMIT_UNAVAILABLE')
    assert.ok(Date.now() - started < 3000, 'no request hangs on a dead store')
    assert.match(await gw.gateway.metrics.scrape(), /portico_store_errors_total\{operation="hit"\} [1-9]/, 'the outage is counted')
    redis = await startRedis(port)
    await eventually(async () => (await fetchRaw(`${gw.url}/closed`)).status === 200, 10_000, 'the store to recover')
    assert.equal((await fetchRaw(`${gw.url}/closed`)).status, 200)
    assert.equal((await fetchRaw(`${gw.url}/closed`)).status, 429, 'limits apply again')
  } finally {
    redis.kill('SIGKILL')
  }
})

test('keyBy a header and a JWT claim: each value has its own counter', async () => {
  await using upstream = await startUpstream((_q, r) => r.end('ok'))
  const secret = 'a-very-long-hmac-secret-of-32-characters-or-more'
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /by-header }
    service: app
    policies:
      - rateLimit: { limit: 1, window: 1m, keyBy: [header:x-tenant] }
  - match: { path: /by-claim }
    service: app
    policies:
      - jwt: { secret: "${secret}" }
      - rateLimit: { limit: 1, window: 1m, keyBy: [claim:org] }
`))
  const tenant = (value: string) => fetchRaw(`${gw.url}/by-header`, { headers: { 'x-tenant': value } }).then((r) => r.status)
  assert.deepEqual([await tenant('a'), await tenant('a'), await tenant('b')], [200, 429, 200])
  const { SignJWT } = await import('jose')
  const token = (org: string) => new SignJWT({ sub: 'u', org }).setProtectedHeader({ alg: 'HS256' }).setExpirationTime('5m').sign(new TextEncoder().encode(secret))
  const claim = async (org: string) => (await fetchRaw(`${gw.url}/by-claim`, { headers: { authorization: `Bearer ${await token(org)}` } })).status
  assert.deepEqual([await claim('x'), await claim('x'), await claim('y')], [200, 429, 200])
})
