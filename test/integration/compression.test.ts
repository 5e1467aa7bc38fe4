// The compression policy over real sockets: gzip and br from a real upstream (decompressed and
// compared), q-values, the cases it must leave alone, Vary and ETag, a 50 MB body streamed without
// buffering, and its interplay with the static action and precompressed files.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import zlib from 'node:zlib'
import { fetchBytes } from '../helpers/fetch-bytes.js'
import { eventually } from '../helpers/http-client.js'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type UpstreamHandler } from '../helpers/start-upstream.js'

const JSON_BODY = JSON.stringify(Array.from({ length: 400 }, (_, id) => ({ id, name: `user-${id}`, active: id % 2 === 0 })))

/** An upstream answering every path from a table of canned responses, and a gateway in front. */
async function setup(handler: UpstreamHandler, policies = '      - compression: {}') {
  const upstream = await startUpstream(handler)
  const gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
${policies}
`))
  return {
    gw,
    get: (path: string, headers: Record<string, string> = {}, method = 'GET') => fetchBytes(gw.port, path, { headers, method }),
    async [Symbol.asyncDispose]() {
      await gw.close()
      await upstream.close()
    },
  }
}

/** A response with a Content-Length, so the gateway knows its size before the body. */
function answer(res: ServerResponse, headers: Record<string, string>, body: string | Buffer, status = 200): void {
  res.writeHead(status, { ...headers, 'content-length': String(Buffer.byteLength(body)) })
  res.end(body)
}

const jsonUpstream: UpstreamHandler = (req, res) => {
  if (req.url === '/small') return answer(res, { 'content-type': 'application/json' }, '{"ok":true}')
  if (req.url === '/png') return answer(res, { 'content-type': 'image/png' }, Buffer.alloc(4096, 1))
  if (req.url === '/encoded') return answer(res, { 'content-type': 'application/json', 'content-encoding': 'gzip' }, zlib.gzipSync(JSON_BODY))
  if (req.url === '/range') return answer(res, { 'content-type': 'text/plain', 'content-range': 'bytes 0-2047/10000' }, 'x'.repeat(2048), 206)
  if (req.url === '/no-transform') return answer(res, { 'content-type': 'application/json', 'cache-control': 'public, no-transform' }, JSON_BODY)
  if (req.url === '/vary') return answer(res, { 'content-type': 'application/json', vary: 'Origin', etag: '"v42"' }, JSON_BODY)
  // Chunked, no Content-Length: a stream of unknown size.
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', etag: '"v1"' })
  res.write(JSON_BODY.slice(0, 1000))
  res.end(JSON_BODY.slice(1000))
}

test('gzip and br responses from a real upstream decompress to the same bytes', async () => {
  await using env = await setup(jsonUpstream)
  const gz = await env.get('/users', { 'accept-encoding': 'gzip' })
  assert.equal(gz.status, 200)
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.equal(gz.headers['content-length'], undefined)
  assert.equal(gz.headers.vary, 'Accept-Encoding')
  assert.equal(gz.headers.etag, 'W/"v1"')
  assert.ok(gz.body.length < JSON_BODY.length / 3, `gzip body is ${gz.body.length} bytes`)
  assert.equal(zlib.gunzipSync(gz.body).toString(), JSON_BODY)

  const br = await env.get('/users', { 'accept-encoding': 'gzip, deflate, br' })
  assert.equal(br.headers['content-encoding'], 'br')
  assert.equal(zlib.brotliDecompressSync(br.body).toString(), JSON_BODY)
})

test('q-values choose the coding; identity when nothing offered is acceptable', async () => {
  await using env = await setup(jsonUpstream)
  const cases: Array<[string | undefined, string | undefined]> = [
    ['gzip;q=1, br;q=0.5', 'gzip'],
    ['br;q=0.8, gzip;q=0.8', 'br'],
    ['*', 'br'],
    ['br;q=0, *;q=0.1', 'gzip'],
    ['gzip;q=0, br;q=0', undefined],
    ['identity', undefined],
    ['gzip;q=0.5, identity', undefined],
    ['zstd', undefined],
    [undefined, undefined],
  ]
  for (const [acceptEncoding, expected] of cases) {
    const res = await env.get('/users', acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding })
    assert.equal(res.headers['content-encoding'], expected, String(acceptEncoding))
    assert.equal(res.headers.vary, 'Accept-Encoding', String(acceptEncoding))
    const body = expected === 'br' ? zlib.brotliDecompressSync(res.body) : expected === 'gzip' ? zlib.gunzipSync(res.body) : res.body
    assert.equal(body.toString(), JSON_BODY, String(acceptEncoding))
  }
})

test('small, already encoded, partial, unlisted, no-transform and HEAD responses pass unchanged', async () => {
  await using env = await setup(jsonUpstream)
  const headers = { 'accept-encoding': 'br, gzip' }
  const small = await env.get('/small', headers)
  assert.equal(small.headers['content-encoding'], undefined)
  assert.equal(small.headers['content-length'], '11')

  const encoded = await env.get('/encoded', headers)
  assert.equal(encoded.headers['content-encoding'], 'gzip')
  assert.equal(zlib.gunzipSync(encoded.body).toString(), JSON_BODY, 'not compressed twice')

  const range = await env.get('/range', headers)
  assert.equal(range.status, 206)
  assert.equal(range.headers['content-encoding'], undefined)
  assert.equal(range.body.toString(), 'x'.repeat(2048))

  const png = await env.get('/png', headers)
  assert.equal(png.headers['content-encoding'], undefined)
  assert.equal(png.body.length, 4096)

  const noTransform = await env.get('/no-transform', headers)
  assert.equal(noTransform.headers['content-encoding'], undefined)
  assert.equal(noTransform.body.toString(), JSON_BODY)

  const head = await env.get('/users', headers, 'HEAD')
  assert.equal(head.status, 200)
  assert.equal(head.headers['content-encoding'], undefined)
})

test('an existing Vary is extended, not duplicated, and the strong ETag is weakened', async () => {
  await using env = await setup(jsonUpstream)
  const res = await env.get('/vary', { 'accept-encoding': 'gzip' })
  assert.equal(res.headers.vary, 'Origin, Accept-Encoding')
  assert.equal(res.headers.etag, 'W/"v42"')
  const plain = await env.get('/vary', { 'accept-encoding': 'identity' })
  assert.equal(plain.headers.vary, 'Origin, Accept-Encoding')
  assert.equal(plain.headers.etag, '"v42"')
})

test('options: algorithms, minSize and contentTypes are honoured', async () => {
  await using env = await setup(jsonUpstream, '      - compression: { algorithms: [gzip], minSize: 64kb, contentTypes: [image/png] }')
  assert.equal((await env.get('/users', { 'accept-encoding': 'br, gzip' })).headers['content-encoding'], undefined, 'json is not listed')
  const png = await env.get('/png', { 'accept-encoding': 'br, gzip' })
  assert.equal(png.headers['content-encoding'], undefined, '4 KiB is below minSize')
  await using small = await setup(jsonUpstream, '      - compression: { algorithms: [gzip], minSize: 0, contentTypes: [image/png] }')
  const compressed = await small.get('/png', { 'accept-encoding': 'br, gzip' })
  assert.equal(compressed.headers['content-encoding'], 'gzip')
  assert.ok(zlib.gunzipSync(compressed.body).equals(Buffer.alloc(4096, 1)))
})

/** 50 MB of barely compressible text (random base64, repeated beyond gzip's 32 KiB window). */
const LARGE_TOTAL = 50 * 1024 * 1024
const LARGE_CHUNK = Buffer.from(randomBytes(48 * 1024).toString('base64'))

/** Memory still referenced after a full collection: garbage from streaming does not count. */
function retainedBytes(): number {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
  const usage = process.memoryUsage()
  return usage.heapUsed + usage.arrayBuffers
}

test('a 50 MB streamed body is compressed on the fly, without buffering', { timeout: 120_000 }, async () => {
  let upstreamSent = 0
  const expected = createHash('sha256')
  for (let sent = 0; sent < LARGE_TOTAL; sent += LARGE_CHUNK.length) expected.update(LARGE_CHUNK.subarray(0, Math.min(LARGE_CHUNK.length, LARGE_TOTAL - sent)))
  await using env = await setup((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' })
    new Readable({
      read() {
        if (upstreamSent >= LARGE_TOTAL) return void this.push(null)
        const chunk = LARGE_CHUNK.subarray(0, Math.min(LARGE_CHUNK.length, LARGE_TOTAL - upstreamSent))
        upstreamSent += chunk.length
        this.push(chunk)
      },
    }).pipe(res)
  }, '      - compression: { algorithms: [gzip] }')

  const baseline = retainedBytes()
  const response = await new Promise<IncomingMessage>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: env.gw.port, path: '/large', headers: { 'accept-encoding': 'gzip' }, agent: false }, resolve)
    req.on('error', reject)
    req.end()
  })
  assert.equal(response.headers['content-encoding'], 'gzip')
  // The client does not read yet: backpressure must reach the upstream, which stalls.
  response.pause()
  let previous = -1
  await eventually(async () => {
    await new Promise((resolve) => setTimeout(resolve, 250))
    const stalled = upstreamSent === previous
    previous = upstreamSent
    return stalled
  }, 20_000, 'the upstream to stall')
  const retainedMiB = (retainedBytes() - baseline) / 1024 ** 2
  assert.ok(upstreamSent < LARGE_TOTAL / 2, `the upstream sent ${upstreamSent} bytes to a client that reads nothing`)
  // A buffered body would keep all 50 MB (and its compressed copy) alive; a stream keeps socket and
  // stream buffers only. The stall above is the proof of backpressure; this bound is generous
  // because external buffers are released lazily after a collection (seen up to ~19 MiB here).
  assert.ok(retainedMiB < 32, `${retainedMiB.toFixed(1)} MiB retained while the client paused`)

  const hash = createHash('sha256')
  let length = 0
  await pipeline(response, zlib.createGunzip(), async (chunks: AsyncIterable<Buffer>) => {
    for await (const chunk of chunks) {
      length += chunk.length
      hash.update(chunk)
    }
  })
  assert.equal(length, LARGE_TOTAL)
  assert.equal(hash.digest('hex'), expected.digest('hex'))
})

test('static files are compressed by the policy; precompressed siblings and ranges are left alone', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-compress-static-'))
  const css = `.rule { color: #123456; margin: 0 auto; }\n`.repeat(500)
  const js = 'console.log("precompressed");\n'.repeat(200)
  const jsBr = zlib.brotliCompressSync(js)
  writeFileSync(join(dir, 'site.css'), css)
  writeFileSync(join(dir, 'app.js'), js)
  writeFileSync(join(dir, 'app.js.br'), jsBr)
  try {
    await using gw = await startGateway(
      gatewayYaml(`
routes:
  - match: { path: /* }
    static: { root: ., precompressed: true }
    policies:
      - compression: {}
`),
      { baseDir: dir },
    )
    const get = (path: string, headers: Record<string, string>, method = 'GET') => fetchBytes(gw.port, path, { headers, method })

    const gz = await get('/site.css', { 'accept-encoding': 'gzip' })
    assert.equal(gz.headers['content-encoding'], 'gzip')
    assert.equal(gz.headers['content-type'], 'text/css; charset=utf-8')
    assert.equal(gz.headers['content-length'], undefined)
    assert.equal(gz.headers['accept-ranges'], undefined)
    assert.equal(gz.headers.vary, 'Accept-Encoding', 'Vary from the action is not repeated')
    assert.match(gz.headers.etag ?? '', /^W\/"/)
    assert.equal(zlib.gunzipSync(gz.body).toString(), css)

    // The weak tag of the compressed response revalidates (weak comparison, RFC 9110 §13.1.2).
    const revalidated = await get('/site.css', { 'accept-encoding': 'gzip', 'if-none-match': gz.headers.etag as string })
    assert.equal(revalidated.status, 304)

    const sibling = await get('/app.js', { 'accept-encoding': 'br' })
    assert.equal(sibling.headers['content-encoding'], 'br')
    assert.ok(sibling.body.equals(jsBr), 'the .br file is sent as it is, not compressed again')
    assert.equal(sibling.headers['content-length'], String(jsBr.length))

    const range = await get('/site.css', { 'accept-encoding': 'gzip', range: 'bytes=0-99' })
    assert.equal(range.status, 206)
    assert.equal(range.headers['content-encoding'], undefined)
    assert.equal(range.body.toString(), css.slice(0, 100))

    const head = await get('/site.css', { 'accept-encoding': 'gzip' }, 'HEAD')
    assert.equal(head.headers['content-encoding'], undefined)
    assert.equal(head.headers['content-length'], String(css.length))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a global compression entry applies to local replies too, and a route can drop it', async () => {
  const big = 'maintenance '.repeat(200)
  await using gw = await startGateway(
    gatewayYaml(`
policies:
  - compression: {}
routes:
  - match: { path: /down }
    respond: { status: 503, body: "${big}" }
  - match: { path: /raw }
    respond: { body: "${big}" }
    policies:
      - compression: false
`),
  )
  const down = await fetchBytes(gw.port, '/down', { headers: { 'accept-encoding': 'gzip' } })
  assert.equal(down.status, 503)
  assert.equal(down.headers['content-encoding'], 'gzip')
  assert.equal(down.headers['content-length'], String(down.body.length), 'an in-memory body keeps a Content-Length')
  assert.equal(zlib.gunzipSync(down.body).toString(), big)
  const raw = await fetchBytes(gw.port, '/raw', { headers: { 'accept-encoding': 'gzip' } })
  assert.equal(raw.headers['content-encoding'], undefined)
  assert.equal(raw.body.toString(), big)
})

/** Reads a compressed response line by line as it arrives, with the time each line was decoded. */
function readLines(port: number, path: string, coding: 'gzip' | 'br'): Promise<{ headers: IncomingMessage['headers']; lines: Array<{ text: string; at: number }>; endedAt: number }> {
  const started = Date.now()
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers: { 'accept-encoding': coding }, agent: false }, (res) => {
      const decoder = coding === 'gzip' ? zlib.createGunzip() : zlib.createBrotliDecompress()
      const lines: Array<{ text: string; at: number }> = []
      let pending = ''
      decoder.on('data', (chunk: Buffer) => {
        pending += chunk.toString()
        let newline: number
        while ((newline = pending.indexOf('\n')) !== -1) {
          lines.push({ text: pending.slice(0, newline), at: Date.now() - started })
          pending = pending.slice(newline + 1)
        }
      })
      decoder.on('end', () => resolve({ headers: res.headers, lines, endedAt: Date.now() - started }))
      decoder.on('error', reject)
      res.pipe(decoder)
    })
    req.on('error', reject)
    req.end()
  })
}

test('streamed JSON lines are flushed one by one: the first line arrives long before the stream ends', { timeout: 30_000 }, async () => {
  const LINES = 8
  const INTERVAL_MS = 200
  await using env = await setup((req, res) => {
    const type = req.url === '/stream-json' ? 'application/stream+json' : 'application/x-ndjson'
    res.writeHead(200, { 'content-type': type })
    let sent = 0
    const timer = setInterval(() => {
      res.write(`${JSON.stringify({ n: sent, pad: 'x'.repeat(40) })}\n`)
      if (++sent === LINES) {
        clearInterval(timer)
        res.end()
      }
    }, INTERVAL_MS)
    res.on('close', () => clearInterval(timer))
  })
  for (const [path, coding] of [['/events', 'gzip'], ['/events', 'br'], ['/stream-json', 'gzip']] as const) {
    const { headers, lines, endedAt } = await readLines(env.gw.port, path, coding)
    assert.equal(headers['content-encoding'], coding, path)
    assert.deepEqual(lines.map((line) => (JSON.parse(line.text) as { n: number }).n), [0, 1, 2, 3, 4, 5, 6, 7], `${path} ${coding}`)
    const first = lines[0]?.at ?? Infinity
    // Unflushed, every line would wait for the end (~1.6 s); flushed, each comes with its write.
    assert.ok(first < 700, `${path} ${coding}: first line after ${first} ms (stream ended after ${endedAt} ms)`)
    assert.ok(endedAt - first > 1000, `${path} ${coding}: first line after ${first} ms, end after ${endedAt} ms`)
    const gaps = lines.slice(1).map((line, i) => line.at - (lines[i] as { at: number }).at)
    assert.ok(gaps.every((gap) => gap > 50), `${path} ${coding}: lines arrive as written, gaps ${gaps.join(', ')} ms`)
  }
})

test('a 304 for a compressed static file carries Vary and the weak ETag it revalidated', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-compress-304-'))
  const css = `.rule { color: #123456; margin: 0 auto; }\n`.repeat(500)
  writeFileSync(join(dir, 'site.css'), css)
  writeFileSync(join(dir, 'logo.png'), Buffer.alloc(4096, 7))
  try {
    await using gw = await startGateway(
      gatewayYaml(`
routes:
  - match: { path: /* }
    static: { root: . }
    policies:
      - compression: {}
`),
      { baseDir: dir },
    )
    const get = (path: string, headers: Record<string, string>) => fetchBytes(gw.port, path, { headers })

    const full = await get('/site.css', { 'accept-encoding': 'gzip' })
    assert.equal(full.status, 200)
    assert.equal(full.headers.vary, 'Accept-Encoding')
    const weak = full.headers.etag as string
    assert.match(weak, /^W\/"[^"]+"$/)

    // The weak tag handed out still revalidates (weak comparison), and the 304 repeats what the 200
    // had: the same weak tag (so a cache can select its compressed copy) and Vary (RFC 9110 §15.4.5).
    const revalidated = await get('/site.css', { 'accept-encoding': 'gzip', 'if-none-match': weak })
    assert.equal(revalidated.status, 304)
    assert.equal(revalidated.headers.etag, weak)
    assert.equal(revalidated.headers.vary, 'Accept-Encoding')
    assert.equal(revalidated.headers['content-encoding'], undefined)
    assert.equal(revalidated.body.length, 0)
    const br = await get('/site.css', { 'accept-encoding': 'br', 'if-none-match': `"nope", ${weak}` })
    assert.equal(br.status, 304)
    assert.equal(br.headers.etag, weak)
    assert.equal(br.headers.vary, 'Accept-Encoding')

    // A client that holds the identity copy (strong tag) gets its strong tag back.
    const identity = await get('/site.css', { 'accept-encoding': 'identity' })
    assert.equal(identity.headers['content-encoding'], undefined)
    const strong = identity.headers.etag as string
    assert.equal(`W/${strong}`, weak)
    const strongRevalidated = await get('/site.css', { 'accept-encoding': 'identity', 'if-none-match': strong })
    assert.equal(strongRevalidated.status, 304)
    assert.equal(strongRevalidated.headers.etag, strong)

    // Types the policy does not compress keep their 304 as it was.
    const png = await get('/logo.png', { 'accept-encoding': 'gzip' })
    assert.equal(png.headers.vary, undefined)
    const png304 = await get('/logo.png', { 'accept-encoding': 'gzip', 'if-none-match': png.headers.etag as string })
    assert.equal(png304.status, 304)
    assert.equal(png304.headers.etag, png.headers.etag)
    assert.equal(png304.headers.vary, undefined)
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
})

test('a 304 from the upstream for a weak If-None-Match carries Vary and the weak ETag', async () => {
  const seen: Array<string | undefined> = []
  await using env = await setup((req, res) => {
    const ifNoneMatch = req.headers['if-none-match']
    seen.push(ifNoneMatch)
    // The origin compares weakly (RFC 9110 §13.1.2) and answers 304 with its strong tag, no Content-Type.
    if (ifNoneMatch !== undefined && ifNoneMatch.replace(/^W\//, '') === '"v7"') {
      res.writeHead(304, { etag: '"v7"', 'cache-control': 'max-age=0, must-revalidate' })
      return void res.end()
    }
    answer(res, { 'content-type': 'application/json', etag: '"v7"', 'cache-control': 'max-age=0, must-revalidate' }, JSON_BODY)
  })
  const full = await env.get('/users', { 'accept-encoding': 'gzip, br' })
  assert.equal(full.headers['content-encoding'], 'br')
  assert.equal(full.headers.etag, 'W/"v7"')
  assert.equal(full.headers.vary, 'Accept-Encoding')

  const revalidated = await env.get('/users', { 'accept-encoding': 'gzip, br', 'if-none-match': 'W/"v7"' })
  assert.equal(revalidated.status, 304)
  assert.equal(seen.at(-1), 'W/"v7"', 'the client validator went upstream')
  assert.equal(revalidated.headers.etag, 'W/"v7"')
  assert.equal(revalidated.headers.vary, 'Accept-Encoding')
  assert.equal(revalidated.headers['cache-control'], 'max-age=0, must-revalidate')
  assert.equal(revalidated.headers['content-encoding'], undefined)

  const head = await env.get('/users', { 'accept-encoding': 'gzip', 'if-none-match': 'W/"v7"' }, 'HEAD')
  assert.equal(head.status, 304)
  assert.equal(head.headers.etag, '"v7"', 'HEAD is never compressed, so neither is its 304')
})
