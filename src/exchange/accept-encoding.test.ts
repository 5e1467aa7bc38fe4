import { test } from 'node:test'
import assert from 'node:assert/strict'
import { EncodingNegotiator, parseAcceptEncoding } from './accept-encoding.js'

const brGzip = new EncodingNegotiator(['br', 'gzip'])

test('parses tokens and q-values case-insensitively, x-gzip as gzip', () => {
  assert.deepEqual([...parseAcceptEncoding('GZIP;Q=0.5, br , x-gzip;q=0.7, *;q=0')], [
    ['gzip', 0.7],
    ['br', 1],
    ['*', 0],
  ])
})

test('elements with a malformed q-value are ignored', () => {
  assert.deepEqual([...parseAcceptEncoding('gzip;q=2, br;q=0.5555, deflate;q=abc, identity;q=1.000')], [['identity', 1]])
})

test('no or empty Accept-Encoding means identity', () => {
  assert.deepEqual(brGzip.negotiate(undefined), [])
  assert.deepEqual(brGzip.negotiate(''), [])
  assert.deepEqual(brGzip.negotiate(' , '), [])
})

test('on equal q-values the server preference wins (br first)', () => {
  assert.deepEqual(brGzip.negotiate('gzip, deflate, br'), ['br', 'gzip'])
  assert.deepEqual(new EncodingNegotiator(['gzip', 'br']).negotiate('gzip, br'), ['gzip', 'br'])
})

test('higher q-values win over server preference', () => {
  assert.deepEqual(brGzip.negotiate('br;q=0.5, gzip;q=0.9'), ['gzip', 'br'])
})

test('q=0 makes a coding unacceptable', () => {
  assert.deepEqual(brGzip.negotiate('br;q=0, gzip'), ['gzip'])
  assert.deepEqual(brGzip.negotiate('gzip;q=0'), [])
})

test('* covers codings not listed, and can exclude them', () => {
  assert.deepEqual(brGzip.negotiate('*'), ['br', 'gzip'])
  assert.deepEqual(brGzip.negotiate('gzip;q=0, *'), ['br'])
  assert.deepEqual(brGzip.negotiate('gzip, *;q=0'), ['gzip'])
})

test('a coding the client ranks below identity is not used', () => {
  assert.deepEqual(brGzip.negotiate('gzip;q=0.5, identity'), [])
  assert.deepEqual(brGzip.negotiate('gzip;q=0.5, identity;q=0.5'), ['gzip'])
  assert.deepEqual(brGzip.negotiate('br;q=0.2, *;q=0.5'), ['gzip'])
  assert.deepEqual(brGzip.negotiate('br;q=0.2, identity;q=0.5'), [])
})

test('codings the server does not offer are never chosen', () => {
  assert.deepEqual(brGzip.negotiate('zstd, deflate'), [])
  assert.deepEqual(new EncodingNegotiator(['gzip']).negotiate('br'), [])
})

test('answers are cached per header value and stay correct', () => {
  const negotiator = new EncodingNegotiator(['br', 'gzip'])
  const first = negotiator.negotiate('gzip, br')
  assert.equal(negotiator.negotiate('gzip, br'), first)
  for (let i = 0; i < 600; i++) negotiator.negotiate(`gzip;q=0.${i % 10}, x${i}`)
  assert.deepEqual(negotiator.negotiate('gzip, br'), ['br', 'gzip'])
})
