import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { buffer as collect } from 'node:stream/consumers'
import zlib from 'node:zlib'
import { GatewayResponse } from '../../exchange/gateway-response.js'
import { HeaderList } from '../../exchange/header-list.js'
import { addVary, ResponseCompressor, weakenEtag } from './response-compressor.js'

const TEXT = 'portico compresses text '.repeat(200)
const compressor = new ResponseCompressor({})

function response(headers: string[], body: GatewayResponse['body'] = TEXT, status = 200): GatewayResponse {
  return new GatewayResponse(status, new HeaderList(headers), body, 'upstream')
}

async function bodyBytes(res: GatewayResponse): Promise<Buffer> {
  const body = res.body
  if (body instanceof Readable) return collect(body)
  return typeof body === 'string' ? Buffer.from(body) : (body as Buffer)
}

test('an in-memory body is gzip-compressed with the headers adjusted', async () => {
  const res = response(['content-type', 'text/plain', 'content-length', String(TEXT.length), 'etag', '"v1"', 'accept-ranges', 'bytes'])
  await compressor.apply('GET', 'gzip', res)
  assert.equal(res.headers.get('content-encoding'), 'gzip')
  assert.equal(res.headers.get('content-length'), undefined)
  assert.equal(res.headers.get('accept-ranges'), undefined)
  assert.equal(res.headers.get('etag'), 'W/"v1"')
  assert.equal(res.headers.get('vary'), 'Accept-Encoding')
  assert.equal(zlib.gunzipSync(await bodyBytes(res)).toString(), TEXT)
})

test('a stream body is wrapped with brotli, not read', async () => {
  const source = Readable.from([Buffer.from(TEXT), Buffer.from(TEXT)])
  const res = response(['content-type', 'application/json; charset=utf-8'], source)
  assert.equal(compressor.apply('GET', 'gzip, br', res), undefined)
  assert.notEqual(res.body, source)
  assert.equal(res.headers.get('content-encoding'), 'br')
  assert.equal(zlib.brotliDecompressSync(await bodyBytes(res)).toString(), TEXT + TEXT)
})

test('the client preferring identity still gets Vary, but no coding', async () => {
  const res = response(['content-type', 'text/html'])
  await compressor.apply('GET', 'identity', res)
  assert.equal(res.headers.get('content-encoding'), undefined)
  assert.equal(res.headers.get('vary'), 'Accept-Encoding')
  assert.equal(res.body, TEXT)
})

test('responses that must not be compressed are left untouched', async () => {
  const cases: Array<[string, GatewayResponse, string?]> = [
    ['already encoded', response(['content-type', 'text/plain', 'content-encoding', 'gzip'])],
    ['a range', response(['content-type', 'text/plain', 'content-range', 'bytes 0-9/100'], TEXT, 206)],
    ['no content', response(['content-type', 'text/plain'], null, 204)],
    ['not modified', response(['content-type', 'text/plain'], null, 304)],
    ['HEAD', response(['content-type', 'text/plain']), 'HEAD'],
    ['an unlisted type', response(['content-type', 'image/png'])],
    ['no content type', response([])],
    ['small by Content-Length', response(['content-type', 'text/plain', 'content-length', '100'], Readable.from(['x']))],
    ['small by body', response(['content-type', 'text/plain'], 'tiny')],
    ['no-transform', response(['content-type', 'text/plain', 'cache-control', 'public, No-Transform'])],
    ['an event stream', response(['content-type', 'text/event-stream'])],
  ]
  for (const [what, res, method] of cases) {
    const before = [...res.headers.raw]
    const body = res.body
    await compressor.apply(method ?? 'GET', 'gzip, br', res)
    assert.deepEqual(res.headers.raw, before, what)
    assert.equal(res.body, body, what)
  }
})

test('contentTypes patterns: exact, type/* and type/*+suffix; event streams only when listed', async () => {
  const custom = new ResponseCompressor({ contentTypes: ['application/*+json', 'text/event-stream'], minSize: 0, algorithms: ['gzip'] })
  for (const [type, expected] of [['application/problem+json', 'gzip'], ['application/json', undefined], ['text/event-stream', 'gzip'], ['text/plain', undefined]] as const) {
    const res = response(['content-type', type])
    await custom.apply('GET', 'gzip', res)
    assert.equal(res.headers.get('content-encoding'), expected, type)
  }
})

test('an event stream, when listed, is flushed write by write', async () => {
  const custom = new ResponseCompressor({ contentTypes: ['text/event-stream'], algorithms: ['gzip'] })
  const source = new Readable({ read() {} })
  const res = response(['content-type', 'text/event-stream'], source)
  await custom.apply('GET', 'gzip', res)
  const out = res.body as Readable
  source.push('data: one\n\n')
  const [first] = (await new Promise((resolve) => out.once('data', (chunk: Buffer) => resolve([chunk])))) as [Buffer]
  // A sync flush ends on an empty stored block, so the event is decodable before the stream ends.
  assert.equal(zlib.gunzipSync(first, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString(), 'data: one\n\n')
  source.push(null)
  out.resume()
})

test('Vary is merged once, case-insensitively, and * is left alone', () => {
  const cases: Array<[string[], string[]]> = [
    [[], ['Accept-Encoding']],
    [['vary', 'Origin'], ['Origin, Accept-Encoding']],
    [['vary', 'Origin', 'vary', 'Cookie'], ['Origin, Cookie, Accept-Encoding']],
    [['vary', 'origin, accept-encoding'], ['origin, accept-encoding']],
    [['vary', '*'], ['*']],
  ]
  for (const [given, expected] of cases) {
    const headers = new HeaderList([...given])
    addVary(headers)
    assert.deepEqual(headers.getAll('vary'), expected, given.join(' '))
  }
})

test('strong ETags are weakened, weak ones kept', () => {
  const strong = new HeaderList(['etag', '"abc"'])
  weakenEtag(strong)
  assert.equal(strong.get('etag'), 'W/"abc"')
  const weak = new HeaderList(['etag', 'W/"abc"'])
  weakenEtag(weak)
  assert.equal(weak.get('etag'), 'W/"abc"')
})

test('levels and algorithms come from the options', async () => {
  const deflate = new ResponseCompressor({ algorithms: ['deflate'], level: { deflate: 9 } })
  const res = response(['content-type', 'text/css'])
  await deflate.apply('GET', 'br, gzip, deflate', res)
  assert.equal(res.headers.get('content-encoding'), 'deflate')
  assert.equal(zlib.inflateSync(await bodyBytes(res)).toString(), TEXT)
})
