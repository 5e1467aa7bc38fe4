// The static action over real sockets: content types, validators and 304/412, ranges, HEAD,
// index files, SPA fallback, precompressed siblings, and every way out of the root refused.
import { test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { mkdtempSync, mkdirSync, readdirSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import zlib from 'node:zlib'
import { fetchBytes, type BytesResponse } from '../helpers/fetch-bytes.js'
import { eventually } from '../helpers/http-client.js'
import { gatewayYaml, startGateway, type TestGateway } from '../helpers/start-gateway.js'

const SECRET = 'TOP-SECRET-OUTSIDE-ROOT'
const APP_JS = 'export const answer = 42;\n'.repeat(50)
const BIG = randomBytes(4 * 1024 * 1024)
const MODIFIED = new Date(Date.UTC(2024, 0, 15, 12, 0, 0))

let dir: string
let gw: TestGateway

function file(path: string, content: string | Buffer): void {
  writeFileSync(join(dir, path), content)
  utimesSync(join(dir, path), MODIFIED, MODIFIED)
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-static-'))
  for (const sub of ['public', 'public/docs', 'public/noindex', 'public/.well-known', 'outside']) mkdirSync(join(dir, sub))
  file('secret.txt', SECRET)
  file('outside/inner.txt', SECRET)
  file('public/index.html', '<!doctype html><title>home</title>')
  file('public/docs/index.html', '<h1>docs</h1>')
  file('public/app.js', APP_JS)
  file('public/app.js.br', zlib.brotliCompressSync(APP_JS))
  file('public/app.js.gz', zlib.gzipSync(APP_JS))
  file('public/style.css', 'body { color: red }')
  file('public/data.json', '{"ok":true}')
  file('public/big.bin', BIG)
  file('public/huge.bin', Buffer.alloc(64 * 1024 * 1024))
  file('public/hello world.txt', 'spaced')
  file('public/.env', `PASSWORD=${SECRET}`)
  file('public/.well-known/security.txt', 'Contact: mailto:security@example.com')
  symlinkSync('../secret.txt', join(dir, 'public/link-out.txt'))
  symlinkSync('../outside', join(dir, 'public/dir-out'))
  symlinkSync('app.js', join(dir, 'public/link-in.js'))
  file('public/data.json.gz', zlib.gzipSync('{"ok":true}'))
  symlinkSync('../secret.txt', join(dir, 'public/style.css.br'))
  gw = await startGateway(
    gatewayYaml(`
routes:
  - match: { path: /assets/* }
    static: { root: ./public, precompressed: true, cacheControl: "public, max-age=3600" }
  - match: { path: /spa/* }
    static: { root: ./public, spa: true }
  - match: { path: /data.json }
    static: { root: public }
  - match: { path: /* }
    static: { root: ./public }
`),
    { baseDir: dir },
  )
})

after(async () => {
  await gw.close()
  rmSync(dir, { recursive: true, force: true })
})

/** A request with the path sent exactly as written: no URL normalization. */
function send(path: string, headers: Record<string, string> = {}, method = 'GET'): Promise<BytesResponse> {
  return fetchBytes(gw.port, path, { method, headers })
}

test('files are served with their content type, length, validators and cache policy', async () => {
  const expected: Array<[string, string, string]> = [
    ['/assets/app.js', 'text/javascript; charset=utf-8', APP_JS],
    ['/assets/style.css', 'text/css; charset=utf-8', 'body { color: red }'],
    ['/assets/data.json', 'application/json', '{"ok":true}'],
    ['/assets/index.html', 'text/html; charset=utf-8', '<!doctype html><title>home</title>'],
    ['/assets/hello%20world.txt', 'text/plain; charset=utf-8', 'spaced'],
  ]
  for (const [path, type, body] of expected) {
    const res = await send(path)
    assert.equal(res.status, 200, path)
    assert.equal(res.headers['content-type'], type, path)
    assert.equal(res.body.toString(), body, path)
    assert.equal(res.headers['content-length'], String(Buffer.byteLength(body)), path)
    assert.match(res.headers.etag ?? '', /^"[0-9a-f]+-[0-9a-f]+"$/, path)
    assert.equal(res.headers['last-modified'], MODIFIED.toUTCString(), path)
    assert.equal(res.headers['cache-control'], 'public, max-age=3600', path)
    assert.equal(res.headers['accept-ranges'], 'bytes', path)
    assert.equal(res.headers['x-content-type-options'], 'nosniff', path)
  }
  const big = await send('/big.bin')
  assert.equal(big.headers['content-type'], 'application/octet-stream')
  assert.equal(big.headers['cache-control'], 'no-cache')
  assert.ok(big.body.equals(BIG))
})

test('If-None-Match with the current ETag (strong or weak form) is a 304 without a body', async () => {
  const first = await send('/assets/style.css')
  const etag = first.headers.etag as string
  for (const tag of [etag, `W/${etag}`, `"other", ${etag}`, '*']) {
    const res = await send('/assets/style.css', { 'if-none-match': tag })
    assert.equal(res.status, 304, tag)
    assert.equal(res.body.length, 0)
    assert.equal(res.headers.etag, etag)
    assert.equal(res.headers['cache-control'], 'public, max-age=3600')
    assert.equal(res.headers.vary, 'Accept-Encoding')
  }
  const changed = await send('/assets/style.css', { 'if-none-match': '"stale"', 'if-modified-since': MODIFIED.toUTCString() })
  assert.equal(changed.status, 200, 'If-None-Match overrides If-Modified-Since')
})

test('If-Modified-Since: 304 when not modified since, 200 when older; If-Match mismatch is 412', async () => {
  assert.equal((await send('/style.css', { 'if-modified-since': MODIFIED.toUTCString() })).status, 304)
  assert.equal((await send('/style.css', { 'if-modified-since': new Date(MODIFIED.getTime() + 60_000).toUTCString() })).status, 304)
  assert.equal((await send('/style.css', { 'if-modified-since': new Date(MODIFIED.getTime() - 1000).toUTCString() })).status, 200)
  assert.equal((await send('/style.css', { 'if-modified-since': 'not a date' })).status, 200)
  const failed = await send('/style.css', { 'if-match': '"stale"' })
  assert.equal(failed.status, 412)
  assert.equal((await send('/style.css', { 'if-unmodified-since': new Date(MODIFIED.getTime() - 1000).toUTCString() })).status, 412)
})

test('a single range is a 206; an unsatisfiable one a 416; several or a stale If-Range the whole file', async () => {
  const size = BIG.length
  let res = await send('/big.bin', { range: 'bytes=100-199' })
  assert.equal(res.status, 206)
  assert.equal(res.headers['content-range'], `bytes 100-199/${size}`)
  assert.equal(res.headers['content-length'], '100')
  assert.ok(res.body.equals(BIG.subarray(100, 200)))

  res = await send('/big.bin', { range: 'bytes=-10' })
  assert.equal(res.headers['content-range'], `bytes ${size - 10}-${size - 1}/${size}`)
  assert.ok(res.body.equals(BIG.subarray(size - 10)))

  res = await send('/big.bin', { range: `bytes=${size}-` })
  assert.equal(res.status, 416)
  assert.equal(res.headers['content-range'], `bytes */${size}`)

  res = await send('/big.bin', { range: 'bytes=0-9, 20-29' })
  assert.equal(res.status, 200)
  assert.equal(res.body.length, size)

  const etag = res.headers.etag as string
  assert.equal((await send('/big.bin', { range: 'bytes=0-9', 'if-range': etag })).status, 206)
  assert.equal((await send('/big.bin', { range: 'bytes=0-9', 'if-range': '"stale"' })).status, 200)
  assert.equal((await send('/big.bin', { range: 'bytes=0-9', 'if-range': MODIFIED.toUTCString() })).status, 206)
})

test('HEAD has the GET headers and no body; other methods are a 405 with Allow', async () => {
  const res = await send('/big.bin', {}, 'HEAD')
  assert.equal(res.status, 200)
  assert.equal(res.headers['content-length'], String(BIG.length))
  assert.equal(res.body.length, 0)
  for (const method of ['POST', 'PUT', 'DELETE']) {
    const refused = await send('/big.bin', {}, method)
    assert.equal(refused.status, 405, method)
    assert.equal(refused.headers.allow, 'GET, HEAD')
  }
})

test('directories serve their index; without a slash they redirect; without an index they are 404', async () => {
  assert.equal((await send('/assets/')).body.toString(), '<!doctype html><title>home</title>')
  assert.equal((await send('/')).body.toString(), '<!doctype html><title>home</title>')
  assert.equal((await send('/assets/docs/')).body.toString(), '<h1>docs</h1>')
  const redirect = await send('/assets/docs?x=1')
  assert.equal(redirect.status, 301)
  assert.equal(redirect.headers.location, '/assets/docs/?x=1')
  assert.equal((await send('/assets')).headers.location, '/assets/')
  assert.equal((await send('/noindex/')).status, 404)
  assert.equal((await send('/missing.txt')).status, 404)
})

test('an exact route serves the file its path names', async () => {
  const res = await send('/data.json')
  assert.equal(res.status, 200)
  assert.equal(res.body.toString(), '{"ok":true}')
})

test('single-page-app fallback: extension-less unknown paths get index.html, missing assets stay 404', async () => {
  for (const path of ['/spa/users/42', '/spa/settings/', '/spa/noindex/']) {
    const res = await send(path)
    assert.equal(res.status, 200, path)
    assert.equal(res.body.toString(), '<!doctype html><title>home</title>', path)
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8')
  }
  assert.equal((await send('/spa/missing.js')).status, 404)
  assert.equal((await send('/spa/app.js')).body.toString(), APP_JS)
  assert.equal((await send('/users/42')).status, 404, 'no fallback where spa is off')
})

test('precompressed siblings are chosen by Accept-Encoding, with Vary and a distinct ETag', async () => {
  const identity = await send('/assets/app.js')
  const br = await send('/assets/app.js', { 'accept-encoding': 'gzip, deflate, br' })
  assert.equal(br.headers['content-encoding'], 'br')
  assert.equal(br.headers['content-type'], 'text/javascript; charset=utf-8')
  assert.equal(br.headers.vary, 'Accept-Encoding')
  assert.notEqual(br.headers.etag, identity.headers.etag)
  assert.equal(zlib.brotliDecompressSync(br.body).toString(), APP_JS)

  const gz = await send('/assets/app.js', { 'accept-encoding': 'br;q=0, gzip' })
  assert.equal(gz.headers['content-encoding'], 'gzip')
  assert.equal(zlib.gunzipSync(gz.body).toString(), APP_JS)
  assert.equal((await send('/assets/app.js', { 'accept-encoding': 'gzip;q=1, br;q=0.5' })).headers['content-encoding'], 'gzip')

  // Only a .gz exists: a br-first client still gets gzip.
  const fallback = await send('/assets/data.json', { 'accept-encoding': 'br, gzip' })
  assert.equal(fallback.headers['content-encoding'], 'gzip')

  for (const acceptEncoding of ['identity', 'br;q=0, gzip;q=0', '']) {
    const plain = await send('/assets/app.js', acceptEncoding === '' ? {} : { 'accept-encoding': acceptEncoding })
    assert.equal(plain.headers['content-encoding'], undefined, acceptEncoding)
    assert.equal(plain.headers.vary, 'Accept-Encoding')
    assert.equal(plain.body.toString(), APP_JS)
  }
  // Routes without `precompressed` never look for siblings.
  assert.equal((await send('/app.js', { 'accept-encoding': 'br' })).headers['content-encoding'], undefined)
  // A sibling that is a symlink out of the root is ignored.
  const css = await send('/assets/style.css', { 'accept-encoding': 'br' })
  assert.equal(css.headers['content-encoding'], undefined)
  assert.equal(css.body.toString(), 'body { color: red }')
})

test('every path traversal vector is refused and never returns a file outside the root', async () => {
  const vectors: Array<[string, number]> = [
    ['/assets/../secret.txt', 404],
    ['/../secret.txt', 404],
    ['/assets/%2e%2e/secret.txt', 404],
    ['/assets/%2E%2E/%2e%2e/secret.txt', 404],
    ['/assets/..%2fsecret.txt', 404],
    ['/assets/%2e%2e%2fsecret.txt', 404],
    ['/assets/docs%2f..%2f..%2fsecret.txt', 404],
    ['/assets/..%5csecret.txt', 404],
    ['/assets/..\\secret.txt', 404],
    ['/assets/%252e%252e%252fsecret.txt', 404],
    ['/assets/secret.txt%00.js', 400],
    ['/assets/%c0%ae%c0%ae/secret.txt', 400],
    ['/assets/%zz', 400],
    ['/assets/link-out.txt', 404],
    ['/assets/dir-out/inner.txt', 404],
    ['/spa/link-out.txt', 404],
    ['/assets/.env', 404],
    ['/assets/%2eenv', 404],
  ]
  for (const [path, status] of vectors) {
    const res = await send(path)
    assert.equal(res.status, status, path)
    assert.ok(!res.body.toString().includes(SECRET), `${path} leaked the secret`)
  }
})

test('symlinks inside the root are followed; .well-known is served', async () => {
  assert.equal((await send('/assets/link-in.js')).body.toString(), APP_JS)
  assert.equal((await send('/.well-known/security.txt')).body.toString(), 'Contact: mailto:security@example.com')
})

test('a client that leaves mid-download does not leave the file open', { skip: process.platform !== 'linux' }, async () => {
  const openFiles = (): number => readdirSync('/proc/self/fd').length
  const baseline = openFiles()
  await new Promise<void>((resolve, reject) => {
    // The client stops reading, so the gateway's file stream stalls on backpressure; then it leaves.
    const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: '/huge.bin', agent: false }, (res) => {
      res.pause()
      setTimeout(() => {
        req.destroy()
        resolve()
      }, 200)
    })
    req.on('error', (error: NodeJS.ErrnoException) => (error.code === 'ECONNRESET' ? undefined : reject(error)))
    req.end()
  })
  await eventually(() => openFiles() <= baseline, 5000, 'the file descriptor to be closed')
})
