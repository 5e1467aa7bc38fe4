import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createBearerCheck } from './bearer-token.js'

test('accepts exactly the configured bearer token', () => {
  const check = createBearerCheck('0123456789abcdef-token')
  assert.equal(check('Bearer 0123456789abcdef-token'), true)
  assert.equal(check('bearer   0123456789abcdef-token'), true, 'scheme is case-insensitive')
  assert.equal(check('Bearer 0123456789abcdef-toke'), false)
  assert.equal(check('Bearer 0123456789abcdef-token2'), false)
  assert.equal(check('Basic 0123456789abcdef-token'), false)
  assert.equal(check('0123456789abcdef-token'), false)
  assert.equal(check('Bearer'), false)
  assert.equal(check(''), false)
  assert.equal(check(undefined), false)
})
