import { test } from 'node:test'
import assert from 'node:assert/strict'
import { contentRange, parseRange, unsatisfiedRange } from './range.js'

test('no header, another unit, or bad syntax: the whole file', () => {
  for (const header of [undefined, 'items=0-1', 'bytes', 'bytes=', 'bytes=a-b', 'bytes=5', 'bytes=-', 'bytes=1-2-3', 'bytes=10-5', 'bytes=0x1-2', 'bytes=--5']) {
    assert.equal(parseRange(header, 100), undefined, String(header))
  }
})

test('first-last, open-ended and suffix ranges', () => {
  assert.deepEqual(parseRange('bytes=0-9', 100), { start: 0, end: 9 })
  assert.deepEqual(parseRange('Bytes = 10 - 19', 100), { start: 10, end: 19 })
  assert.deepEqual(parseRange('bytes=90-', 100), { start: 90, end: 99 })
  assert.deepEqual(parseRange('bytes=-10', 100), { start: 90, end: 99 })
})

test('ranges past the end are clamped; a suffix longer than the file is the whole file', () => {
  assert.deepEqual(parseRange('bytes=50-1000', 100), { start: 50, end: 99 })
  assert.deepEqual(parseRange('bytes=-1000', 100), { start: 0, end: 99 })
  assert.deepEqual(parseRange('bytes=99-99', 100), { start: 99, end: 99 })
})

test('nothing satisfiable is a 416', () => {
  assert.equal(parseRange('bytes=100-', 100), 'unsatisfiable')
  assert.equal(parseRange('bytes=200-300', 100), 'unsatisfiable')
  assert.equal(parseRange('bytes=-0', 100), 'unsatisfiable')
  assert.equal(parseRange('bytes=0-', 0), 'unsatisfiable')
  assert.equal(parseRange('bytes=-5', 0), 'unsatisfiable')
  assert.equal(parseRange('bytes=200-300, 400-', 100), 'unsatisfiable')
})

test('several ranges: one satisfiable is served, more fall back to the whole file', () => {
  assert.deepEqual(parseRange('bytes=0-9, 500-600', 100), { start: 0, end: 9 })
  assert.deepEqual(parseRange('bytes=, 5-6 ,', 100), { start: 5, end: 6 })
  assert.equal(parseRange('bytes=0-9, 20-29', 100), undefined)
  assert.equal(parseRange(`bytes=${Array.from({ length: 100 }, (_, i) => `${i}-${i}`).join(',')}`, 1000), undefined)
})

test('Content-Range values', () => {
  assert.equal(contentRange({ start: 0, end: 499 }, 1234), 'bytes 0-499/1234')
  assert.equal(unsatisfiedRange(1234), 'bytes */1234')
})
