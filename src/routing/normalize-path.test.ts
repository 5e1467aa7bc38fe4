import { test } from 'node:test'
import assert from 'node:assert/strict'
import { normalizeTarget, removeDotSegments } from './normalize-path.js'

test('splits path and query', () => {
  assert.deepEqual(normalizeTarget('/a/b?x=1&y'), { path: '/a/b', query: 'x=1&y' })
  assert.deepEqual(normalizeTarget('/'), { path: '/', query: '' })
})

test('removes dot segments, plain and percent-encoded', () => {
  assert.equal(normalizeTarget('/public/../admin')?.path, '/admin')
  assert.equal(normalizeTarget('/public/%2e%2e/admin')?.path, '/admin')
  assert.equal(normalizeTarget('/public/%2E%2E/%2E/admin')?.path, '/admin')
  assert.equal(normalizeTarget('/a/./b/')?.path, '/a/b/')
  assert.equal(normalizeTarget('/../../etc')?.path, '/etc')
  assert.equal(removeDotSegments('/a/b/..'), '/a/')
})

test('decodes unreserved escapes but keeps an encoded slash', () => {
  assert.equal(normalizeTarget('/a%7Eb/%41')?.path, '/a~b/A')
  assert.equal(normalizeTarget('/a%2Fb')?.path, '/a%2Fb')
})

test('refuses what cannot be a path', () => {
  assert.equal(normalizeTarget('/a%zz'), undefined)
  assert.equal(normalizeTarget('/a%00b'), undefined)
  assert.equal(normalizeTarget('/a#frag'), undefined)
  assert.equal(normalizeTarget('no-slash'), undefined)
})

test('takes the path of an absolute-form target', () => {
  assert.deepEqual(normalizeTarget('http://example.com/x?y=1'), { path: '/x', query: 'y=1' })
  assert.deepEqual(normalizeTarget('http://example.com'), { path: '/', query: '' })
})
