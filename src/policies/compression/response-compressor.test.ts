import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Readable } from 'node:stream'
import { buffer as collect } from 'node:stream/consumers'
import zlib from 'node:zlib'
import { GatewayResponse } from '../../exchange/gateway-response.js'
import { HeaderList } from '../../exchange/header-list.js'
import { addVary, heldVariant, ResponseCompressor, weakenEtag } from './response-compressor.js'

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
    ['not modified, an unlisted type', response(['content-type', 'image/png', 'etag', '"p1"'], null, 304)],
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

test('JSON lines and other streaming types are flushed write by write by default, wildcards included', async () => {
  const defaults = new ResponseCompressor({})
  for (const type of ['application/x-ndjson', 'application/stream+json; charset=utf-8', 'text/event-stream']) {
    const custom = type === 'text/event-stream' ? new ResponseCompressor({ contentTypes: ['text/event-stream'] }) : defaults
    const source = new Readable({ read() {} })
    const res = response(['content-type', type], source)
    await custom.apply('GET', 'br', res)
    assert.equal(res.headers.get('content-encoding'), 'br', type)
    const out = res.body as Readable
    source.push('{"n":1}\n')
    const first = await new Promise<Buffer>((resolve) => out.once('data', resolve))
    // BROTLI_OPERATION_FLUSH ends the chunk on a byte boundary: it decodes on its own.
    const decoder = zlib.createBrotliDecompress()
    const decoded = new Promise<Buffer>((resolve) => decoder.once('data', resolve))
    decoder.write(first)
    assert.equal((await decoded).toString(), '{"n":1}\n', type)
    decoder.destroy()
    source.push(null)
    out.resume()
  }
})

test('streamingTypes replaces the default set; [] flushes nothing', async () => {
  for (const [streamingTypes, flushed] of [[[], false], [['text/*'], true], [undefined, false]] as const) {
    const custom = new ResponseCompressor({ contentTypes: ['text/*'], algorithms: ['gzip'], ...(streamingTypes === undefined ? {} : { streamingTypes: [...streamingTypes] }) })
    const source = new Readable({ read() {} })
    const res = response(['content-type', 'text/plain'], source)
    await custom.apply('GET', 'gzip', res)
    const out = res.body as Readable
    const chunks: Buffer[] = []
    out.on('data', (chunk: Buffer) => chunks.push(chunk))
    source.push('line one\n')
    await new Promise((resolve) => setTimeout(resolve, 50))
    const sofar = Buffer.concat(chunks)
    const text = sofar.length === 0 ? '' : zlib.gunzipSync(sofar, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString()
    assert.equal(text, flushed ? 'line one\n' : '', JSON.stringify(streamingTypes))
    source.push(null)
    await new Promise((resolve) => out.once('end', resolve))
  }
})

test('a 304 gets the Vary and weak ETag of the compressed 200 the client holds', async () => {
  /** The header fields by name (set() moves a field to the end; order does not matter here). */
  const fields = (res: GatewayResponse): Record<string, string> => {
    const out: Record<string, string> = {}
    for (let i = 0; i < res.headers.raw.length; i += 2) out[res.headers.raw[i] as string] = res.headers.raw[i + 1] as string
    return out
  }
  const notModified = (headers: string[]) => response(headers, null, 304)
  // No Content-Type (as RFC 9110 §15.4.5 advises): the client's W/"v1" shows it holds our compressed copy.
  const held = notModified(['etag', '"v1"', 'cache-control', 'no-cache'])
  await compressor.apply('GET', 'gzip, br', held, 'W/"v1"')
  assert.deepEqual(fields(held), { etag: 'W/"v1"', 'cache-control': 'no-cache', vary: 'Accept-Encoding' })
  assert.equal(held.body, null)
  // A listed Content-Type is enough; an existing Vary is extended once.
  const typed = notModified(['content-type', 'application/json', 'etag', '"v2"', 'vary', 'Origin'])
  await compressor.apply('GET', 'gzip', typed)
  assert.deepEqual(fields(typed), { 'content-type': 'application/json', etag: 'W/"v2"', vary: 'Origin, Accept-Encoding' })
  // A client taking no coding would get an identity 200: Vary, but the strong tag.
  const identity = notModified(['content-type', 'text/html', 'etag', '"v3"'])
  await compressor.apply('GET', 'identity', identity)
  assert.deepEqual(fields(identity), { 'content-type': 'text/html', etag: '"v3"', vary: 'Accept-Encoding' })
  // The client holds the identity copy ("v4" only): its tag stays strong so a cache can match it.
  const strongCopy = notModified(['content-type', 'text/html', 'etag', '"v4"'])
  await compressor.apply('GET', 'gzip', strongCopy, '"v4"')
  assert.equal(strongCopy.headers.get('etag'), '"v4"')
  assert.equal(strongCopy.headers.get('vary'), 'Accept-Encoding')

  const untouched: Array<[string, string[], string | undefined, string?]> = [
    ['no type, no weak validator', ['etag', '"v5"'], '"v5"'],
    ['no type, no If-None-Match', ['etag', '"v5"'], undefined],
    ['no type, another tag', ['etag', '"v5"'], 'W/"v6"'],
    ['an unlisted type', ['content-type', 'image/png', 'etag', '"v5"'], 'W/"v5"'],
    ['no-transform', ['etag', '"v5"', 'cache-control', 'no-transform'], 'W/"v5"'],
    ['a precompressed variant', ['etag', '"v5-br"', 'content-encoding', 'br'], 'W/"v5-br"'],
    ['HEAD', ['etag', '"v5"'], 'W/"v5"', 'HEAD'],
  ]
  for (const [what, headers, ifNoneMatch, method] of untouched) {
    const res = notModified([...headers])
    await compressor.apply(method ?? 'GET', 'gzip', res, ifNoneMatch)
    assert.deepEqual(res.headers.raw, headers, what)
  }
})

test('heldVariant reads If-None-Match lists, commas inside tags included', () => {
  const cases: Array<[string | undefined, string | undefined, string]> = [
    ['W/"a"', '"a"', 'compressed'],
    ['"b", W/"a"', '"a"', 'compressed'],
    ['"a", W/"a"', '"a"', 'compressed'],
    ['"a"', '"a"', 'identity'],
    ['W/"a,b", "c"', '"a,b"', 'compressed'],
    ['W/"a"', '"b"', 'unknown'],
    ['*', '"a"', 'unknown'],
    ['W/"a"', 'W/"a"', 'unknown'],
    ['W/"a"', undefined, 'unknown'],
    [undefined, '"a"', 'unknown'],
    ['W/"a', '"a"', 'unknown'],
  ]
  for (const [ifNoneMatch, etag, expected] of cases) assert.equal(heldVariant(ifNoneMatch, etag), expected, `${ifNoneMatch} / ${etag}`)
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
