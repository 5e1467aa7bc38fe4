// The response cache (RFC 9111 shared cache) through real sockets: hits and misses, what must not
// be stored, Vary, revalidation (304), stale-while-revalidate, stale-if-error, invalidation,
// request coalescing, size limits, compression on top, purge, and sharing through Redis.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gunzipSync } from 'node:zlib'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { clearRedisPrefix, testPrefix } from '../helpers/redis.js'

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

function cachedRoute(upstreamUrl: string, cacheOptions = '{}', extra = ''): string {
  return gatewayYaml(`
services:
  app: { targets: [${upstreamUrl}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - cache: ${cacheOptions}
${extra}`)
}

// Freshness tests use max-age=2: Date has one-second resolution, so a stored response can look up to
// a second old the moment it is stored (RFC 9111 §4.2.3 apparent age), and max-age=1 would be flaky.
test('a cacheable response is stored: MISS, then HIT with Age, until max-age runs out', async () => {
  let version = 1
  await using upstream = await startUpstream((_q, res) => {
    res.setHeader('cache-control', 'max-age=2')
    res.setHeader('content-type', 'text/plain')
    res.end(`v${version}`)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  const first = await fetchRaw(`${gw.url}/item`)
  assert.equal(first.headers['x-cache'], 'MISS')
  assert.equal(first.body, 'v1')
  version = 2
  const second = await fetchRaw(`${gw.url}/item`)
  assert.equal(second.headers['x-cache'], 'HIT')
  assert.equal(second.body, 'v1')
  assert.match(String(second.headers.age), /^[01]$/, 'Age is whole seconds and includes the rounding of the Date header')
  assert.equal(second.headers['content-type'], 'text/plain')
  assert.equal(upstream.hits, 1)
  await sleep(2100)
  const third = await fetchRaw(`${gw.url}/item`)
  assert.equal(third.headers['x-cache'], 'MISS')
  assert.equal(third.body, 'v2')
  const head = await fetchRaw(`${gw.url}/item`, { method: 'HEAD' })
  assert.equal(head.headers['x-cache'], 'HIT')
  assert.equal(head.body, '')
})

test('no-store, private, Set-Cookie, Vary: * and authenticated requests are not stored; request no-store bypasses', async () => {
  await using upstream = await startUpstream((req, res) => {
    const kind = req.url?.slice(1) ?? ''
    if (kind === 'no-store') res.setHeader('cache-control', 'no-store')
    else if (kind === 'private') res.setHeader('cache-control', 'private, max-age=60')
    else if (kind === 'cookie') {
      res.setHeader('cache-control', 'max-age=60')
      res.setHeader('set-cookie', 'session=1')
    } else if (kind === 'vary-star') {
      res.setHeader('cache-control', 'max-age=60')
      res.setHeader('vary', '*')
    } else if (kind === 'public-auth') res.setHeader('cache-control', 'public, max-age=60')
    else res.setHeader('cache-control', 'max-age=60')
    res.end(kind)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  for (const path of ['/no-store', '/private', '/cookie', '/vary-star']) {
    await fetchRaw(`${gw.url}${path}`)
    assert.equal((await fetchRaw(`${gw.url}${path}`)).headers['x-cache'], 'MISS', path)
  }
  await fetchRaw(`${gw.url}/auth`, { headers: { authorization: 'Bearer x' } })
  assert.equal((await fetchRaw(`${gw.url}/auth`, { headers: { authorization: 'Bearer x' } })).headers['x-cache'], 'MISS', 'Authorization without public')
  await fetchRaw(`${gw.url}/public-auth`, { headers: { authorization: 'Bearer x' } })
  assert.equal((await fetchRaw(`${gw.url}/public-auth`, { headers: { authorization: 'Bearer x' } })).headers['x-cache'], 'HIT', 'public allows it')
  await fetchRaw(`${gw.url}/plain`)
  assert.equal((await fetchRaw(`${gw.url}/plain`, { headers: { 'cache-control': 'no-store' } })).headers['x-cache'], 'BYPASS')
  assert.equal((await fetchRaw(`${gw.url}/plain`, { method: 'POST' })).headers['x-cache'], undefined)
})

test('Vary keeps one variant per value of the named request headers', async () => {
  await using upstream = await startUpstream((req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.setHeader('vary', 'Accept-Language')
    res.end(`lang:${req.headers['accept-language'] ?? 'none'}`)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  const get = (lang: string) => fetchRaw(`${gw.url}/greeting`, { headers: { 'accept-language': lang } })
  assert.equal((await get('fr')).body, 'lang:fr')
  assert.equal((await get('de')).body, 'lang:de')
  const fr = await get('fr')
  assert.equal(fr.body, 'lang:fr')
  assert.equal(fr.headers['x-cache'], 'HIT')
  assert.equal((await get('de')).headers['x-cache'], 'HIT')
  assert.equal(upstream.hits, 2)
})

test('a stale entry is revalidated with If-None-Match; a 304 refreshes it; client validators get a 304', async () => {
  const seen: Array<string | undefined> = []
  await using upstream = await startUpstream((req: IncomingMessage, res: ServerResponse) => {
    seen.push(req.headers['if-none-match'])
    res.setHeader('cache-control', 'max-age=2')
    res.setHeader('etag', '"abc"')
    if (req.headers['if-none-match'] === '"abc"') {
      res.statusCode = 304
      return void res.end()
    }
    res.end('body-abc')
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  assert.equal((await fetchRaw(`${gw.url}/doc`)).body, 'body-abc')
  const conditional = await fetchRaw(`${gw.url}/doc`, { headers: { 'if-none-match': 'W/"abc"' } })
  assert.equal(conditional.status, 304)
  assert.equal(conditional.headers.etag, '"abc"')
  await sleep(2100)
  const revalidated = await fetchRaw(`${gw.url}/doc`)
  assert.equal(revalidated.status, 200)
  assert.equal(revalidated.body, 'body-abc')
  assert.equal(revalidated.headers['x-cache'], 'HIT')
  assert.deepEqual(seen, [undefined, '"abc"'])
  assert.equal((await fetchRaw(`${gw.url}/doc`)).headers['x-cache'], 'HIT', 'fresh again after the 304')
  assert.equal(upstream.hits, 2)
})

test('stale-while-revalidate answers at once from the stale entry and refreshes it in the background', async () => {
  let version = 1
  await using upstream = await startUpstream((_q, res) => {
    res.setHeader('cache-control', 'max-age=2, stale-while-revalidate=30')
    const body = `v${version}`
    setTimeout(() => res.end(body), version === 1 ? 0 : 300)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  assert.equal((await fetchRaw(`${gw.url}/feed`)).body, 'v1')
  version = 2
  await sleep(2100)
  const started = Date.now()
  const stale = await fetchRaw(`${gw.url}/feed`)
  assert.equal(stale.headers['x-cache'], 'STALE')
  assert.equal(stale.body, 'v1')
  assert.ok(Date.now() - started < 250, 'the client did not wait for the slow upstream')
  await eventually(async () => (await fetchRaw(`${gw.url}/feed`)).body === 'v2', 3000, 'the background refresh')
  assert.equal((await fetchRaw(`${gw.url}/feed`)).headers['x-cache'], 'HIT')
})

test('stale-if-error serves the stale entry when the upstream fails; must-revalidate forbids it', async () => {
  let failing = false
  await using upstream = await startUpstream((req, res) => {
    if (failing) {
      res.statusCode = 503
      return void res.end('down')
    }
    res.setHeader('cache-control', req.url === '/strict' ? 'max-age=1, must-revalidate' : 'max-age=1')
    res.end(`ok ${req.url}`)
  })
  await using gw = await startGateway(cachedRoute(upstream.url, '{ staleIfError: 1m }'))
  await fetchRaw(`${gw.url}/lenient`)
  await fetchRaw(`${gw.url}/strict`)
  failing = true
  await sleep(1100)
  const lenient = await fetchRaw(`${gw.url}/lenient`)
  assert.equal(lenient.status, 200)
  assert.equal(lenient.headers['x-cache'], 'STALE')
  assert.equal(lenient.body, 'ok /lenient')
  assert.equal((await fetchRaw(`${gw.url}/strict`)).status, 503)
})

test('an unsafe method invalidates the URI; a burst of misses makes one upstream request', async () => {
  await using upstream = await startUpstream((req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    setTimeout(() => res.end(`${req.method} ${upstream.hits}`), 150)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  const burst = await Promise.all(Array.from({ length: 20 }, () => fetchRaw(`${gw.url}/hot`)))
  assert.equal(upstream.hits, 1, 'coalesced')
  assert.ok(burst.every((r) => r.body === 'GET 1'))
  assert.equal((await fetchRaw(`${gw.url}/hot`)).headers['x-cache'], 'HIT')
  assert.equal((await fetchRaw(`${gw.url}/hot`, { method: 'PUT', body: 'x' })).status, 200)
  assert.equal((await fetchRaw(`${gw.url}/hot`)).headers['x-cache'], 'MISS', 'the PUT invalidated it')
})

test('bodies above maxObjectSize stream through uncached; default ttl caches responses without freshness info', async () => {
  await using upstream = await startUpstream((req, res) => {
    if (req.url === '/big') return void res.end(Buffer.alloc(200 * 1024, 'z'))
    res.end('no freshness headers')
  })
  await using gw = await startGateway(cachedRoute(upstream.url, '{ maxObjectSize: 64kb, ttl: 30s }'))
  assert.equal((await fetchRaw(`${gw.url}/big`)).body.length, 200 * 1024)
  const again = await fetchRaw(`${gw.url}/big`)
  assert.equal(again.body.length, 200 * 1024)
  assert.equal(again.headers['x-cache'], 'MISS')
  await fetchRaw(`${gw.url}/small`)
  assert.equal((await fetchRaw(`${gw.url}/small`)).headers['x-cache'], 'HIT')
  // Purge by prefix, as the admin endpoint does.
  assert.equal(await gw.gateway.store.deletePrefix(`GET http://127.0.0.1:${gw.port}/sm`), 1)
  assert.equal((await fetchRaw(`${gw.url}/small`)).headers['x-cache'], 'MISS')
})

test('the cache stores the plain body and compression wraps it on the way out', async () => {
  await using upstream = await startUpstream((_q, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ items: 'x'.repeat(4000) }))
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - cache: {}
      - compression: {}
`))
  const plain = await fetchRaw(`${gw.url}/list`)
  assert.equal(plain.headers['content-encoding'], undefined)
  const gzipped = await new Promise<{ encoding: string | undefined; cache: string | undefined; body: Buffer }>((resolve, reject) => {
    import('node:http').then(({ request }) => {
      request(`${gw.url}/list`, { headers: { 'accept-encoding': 'gzip' }, agent: false }, (res) => {
        const chunks: Buffer[] = []
        res.on('data', (chunk: Buffer) => chunks.push(chunk))
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], cache: res.headers['x-cache'] as string | undefined, body: Buffer.concat(chunks) }))
      }).on('error', reject).end()
    }, reject)
  })
  assert.equal(gzipped.cache, 'HIT')
  assert.equal(gzipped.encoding, 'gzip')
  assert.equal(JSON.parse(gunzipSync(gzipped.body).toString()).items.length, 4000)
})

test('two gateways sharing a Redis store share the cache', async () => {
  const prefix = testPrefix()
  await using upstream = await startUpstream((_q, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.end('shared')
  })
  const config = cachedRoute(upstream.url, '{}', '').replace('listeners:', `store: { type: redis, url: redis://127.0.0.1:6379, prefix: "${prefix}" }\nlisteners:`)
  await using a = await startGateway(config)
  await using b = await startGateway(config)
  try {
    // The key includes the host the client addressed, so both use the same Host header.
    assert.equal((await fetchRaw(`${a.url}/thing`, { headers: { host: 'api.example.com' } })).headers['x-cache'], 'MISS')
    const fromB = await fetchRaw(`${b.url}/thing`, { headers: { host: 'api.example.com' } })
    assert.equal(fromB.headers['x-cache'], 'HIT')
    assert.equal(fromB.body, 'shared')
    assert.equal(upstream.hits, 1)
  } finally {
    await clearRedisPrefix(prefix)
  }
})

test('a request max-age the entry exceeds (a browser reload) goes to the upstream, never a stale answer', async () => {
  let version = 1
  await using upstream = await startUpstream((_q, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.end(`v${version}`)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  assert.equal((await fetchRaw(`${gw.url}/page`)).body, 'v1')
  version = 2
  await sleep(1100)
  const reloaded = await fetchRaw(`${gw.url}/page`, { headers: { 'cache-control': 'max-age=0' } })
  assert.equal(reloaded.body, 'v2')
  assert.equal(reloaded.headers['x-cache'], 'MISS')
  assert.equal((await fetchRaw(`${gw.url}/page`)).body, 'v2', 'and the refreshed answer is stored')
})

test('an unsafe method invalidates the URI for every key addition (all consumers)', async () => {
  await using upstream = await startUpstream((req, res) => {
    res.setHeader('cache-control', 'public, max-age=60')
    res.end(`${req.method} for ${req.headers['x-consumer'] ?? '-'}`)
  })
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
      - cache: { keyBy: [consumer] }
`))
  const as = (key: string, method = 'GET') => fetchRaw(`${gw.url}/doc`, { method, headers: { 'x-api-key': key } })
  await as('alice-key-0123456789abcdef')
  await as('bob-key-0123456789abcdefgh')
  assert.equal((await as('bob-key-0123456789abcdefgh')).headers['x-cache'], 'HIT')
  assert.equal((await as('alice-key-0123456789abcdef', 'DELETE')).status, 200)
  assert.equal((await as('bob-key-0123456789abcdefgh')).headers['x-cache'], 'MISS', "alice's DELETE dropped bob's copy too")
})

test('behind an authentication policy, answers are not shared between consumers unless keyed by consumer', async () => {
  await using upstream = await startUpstream((req, res) => {
    res.setHeader('cache-control', 'max-age=60')
    res.setHeader('vary', 'X-Consumer')
    res.end(`private data of ${String(req.headers['x-consumer'])}`)
  })
  await using gw = await startGateway(gatewayYaml(`
consumers:
  - { name: alice, apiKeys: [alice-key-0123456789abcdef] }
  - { name: mallory, apiKeys: [mallory-key-0123456789abcd] }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - apiKey: {}
      - cache: {}
`))
  await fetchRaw(`${gw.url}/me`, { headers: { 'x-api-key': 'alice-key-0123456789abcdef' } })
  const stolen = await fetchRaw(`${gw.url}/me`, { headers: { 'x-api-key': 'mallory-key-0123456789abcd' } })
  assert.equal(stolen.body, 'private data of mallory')
  assert.equal(stolen.headers['x-cache'], 'MISS')
})

test('a follower that leaves while waiting on a coalesced miss does not stall the key', async () => {
  let delayMs = 300
  await using upstream = await startUpstream((_q, res) => {
    res.setHeader('cache-control', 'max-age=60')
    setTimeout(() => res.end('slow'), delayMs)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  const leader = fetchRaw(`${gw.url}/k`)
  await sleep(50)
  // A follower that gives up while the leader is still at the upstream.
  await assert.rejects(fetchRaw(`${gw.url}/k`, { timeoutMs: 100 }))
  assert.equal((await leader).body, 'slow')
  delayMs = 0
  const started = Date.now()
  const next = await fetchRaw(`${gw.url}/k`)
  assert.equal(next.body, 'slow')
  assert.ok(Date.now() - started < 1000)
})

test('Expires gives freshness when max-age is absent; an invalid Expires means already stale', async () => {
  await using upstream = await startUpstream((req, res) => {
    const now = Date.now()
    res.setHeader('date', new Date(now).toUTCString())
    res.setHeader('expires', req.url === '/future' ? new Date(now + 60_000).toUTCString() : '0')
    res.end(req.url)
  })
  await using gw = await startGateway(cachedRoute(upstream.url))
  await fetchRaw(`${gw.url}/future`)
  assert.equal((await fetchRaw(`${gw.url}/future`)).headers['x-cache'], 'HIT')
  await fetchRaw(`${gw.url}/invalid`)
  assert.equal((await fetchRaw(`${gw.url}/invalid`)).headers['x-cache'], 'MISS')
})
