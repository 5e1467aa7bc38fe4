import { test } from 'node:test'
import assert from 'node:assert/strict'
import { lowerCaseHeaderName } from './header-names.js'

test('common names are matched case-insensitively; others are lower-cased', () => {
  assert.equal(lowerCaseHeaderName(Buffer.from('Content-Type')), 'content-type')
  assert.equal(lowerCaseHeaderName(Buffer.from('ETAG')), 'etag')
  assert.equal(lowerCaseHeaderName(Buffer.from('X-Custom-Thing')), 'x-custom-thing')
  assert.equal(lowerCaseHeaderName(Buffer.from('Dote')), 'dote', 'same length as date, not date')
})
