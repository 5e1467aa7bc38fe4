import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileRewrite } from './rewrite.js'

test('stripPrefix removes the prefix at a segment boundary only', () => {
  const rewrite = compileRewrite({ stripPrefix: '/api' })
  assert.equal(rewrite('/api/users/1', {}), '/users/1')
  assert.equal(rewrite('/api', {}), '/')
  assert.equal(rewrite('/apiary', {}), '/apiary')
})

test('path templates take captured params and the wildcard', () => {
  assert.equal(compileRewrite({ path: '/v2/users/:id' })('/api/users/7', { id: '7' }), '/v2/users/7')
  assert.equal(compileRewrite({ path: '/files/*' })('/static/a/b.txt', { '*': 'a/b.txt' }), '/files/a/b.txt')
  assert.equal(compileRewrite({ path: '/files/*' })('/static', { '*': '' }), '/files')
})

test('addPrefix prepends, and steps combine in order: path, strip, add', () => {
  assert.equal(compileRewrite({ addPrefix: '/internal' })('/x', {}), '/internal/x')
  assert.equal(compileRewrite({ stripPrefix: '/api', addPrefix: '/v1' })('/api/x', {}), '/v1/x')
})
