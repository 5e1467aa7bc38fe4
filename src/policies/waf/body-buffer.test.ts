import { test } from 'node:test'
import assert from 'node:assert/strict'
import { PassThrough, Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { bodyStream, bufferUpTo } from './body-buffer.js'

test('a body within the limit comes back whole and replays byte for byte', async () => {
  const body = await bufferUpTo(Readable.from([Buffer.from('{"a":'), Buffer.from('"b"}')]), 16)
  assert.ok(body.complete)
  assert.equal(body.bytes.toString(), '{"a":"b"}')
  assert.equal(await text(bodyStream(body.bytes)), '{"a":"b"}')
  assert.equal(await text(bodyStream(Buffer.alloc(0))), '')
})

test('a larger body comes back as a stream of what was read, then the rest as it arrives', async () => {
  const source = new PassThrough()
  source.write('0123456789')
  source.write('abcdefghij')
  const pending = bufferUpTo(source, 15)
  const body = await pending
  assert.equal(body.complete, false)
  if (body.complete) return
  source.end('KLMNOPQRST')
  assert.equal(await text(body.stream), '0123456789abcdefghijKLMNOPQRST')
})

test('a source error rejects the read, or fails the replay stream after the limit', async () => {
  const failing = new Readable({ read() { this.destroy(new Error('client went away')) } })
  await assert.rejects(bufferUpTo(failing, 10), /client went away/)
  const source = new PassThrough()
  source.write('0123456789abcdef')
  const body = await bufferUpTo(source, 8)
  assert.equal(body.complete, false)
  if (body.complete) return
  const reading = text(body.stream)
  source.destroy(new Error('reset mid-body'))
  await assert.rejects(reading, /reset mid-body/)
})

test('destroying the replay stream destroys the source', async () => {
  const source = new PassThrough()
  source.write('0123456789abcdef')
  const body = await bufferUpTo(source, 8)
  if (body.complete) return assert.fail('expected a partial body')
  body.stream.destroy()
  await new Promise((resolve) => setImmediate(resolve))
  assert.ok(source.destroyed)
})
