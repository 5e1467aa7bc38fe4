import { test } from 'node:test'
import assert from 'node:assert/strict'
import { resolveRequestPath } from './resolve-path.js'

test('plain paths split into decoded segments', () => {
  assert.deepEqual(resolveRequestPath('css/site%20v2.css', false), { ok: true, segments: ['css', 'site v2.css'] })
  assert.deepEqual(resolveRequestPath('/docs//guide/', false), { ok: true, segments: ['docs', 'guide'] })
  assert.deepEqual(resolveRequestPath('', false), { ok: true, segments: [] })
  assert.deepEqual(resolveRequestPath('caf%C3%A9.txt', false), { ok: true, segments: ['café.txt'] })
})

test('traversal in any spelling is refused with 404', () => {
  for (const path of ['..', '../secret', 'a/../../secret', '%2e%2e/secret', '%2E%2E', '.%2e', '..%2fsecret', 'a%2F..%2F..%2Fsecret', '..%5csecret', 'a\\..\\secret', 'x%00.txt', '.']) {
    assert.deepEqual(resolveRequestPath(path, true), { ok: false, status: 404 }, path)
  }
})

test('double encoding is decoded once only, so it names a literal file', () => {
  assert.deepEqual(resolveRequestPath('%252e%252e%252fsecret', false), { ok: true, segments: ['%2e%2e%2fsecret'] })
})

test('malformed escapes and invalid UTF-8 are a 400', () => {
  for (const path of ['%zz', 'a%2', '%c0%ae%c0%ae', '%ff']) {
    assert.deepEqual(resolveRequestPath(path, false), { ok: false, status: 400 }, path)
  }
})

test('dotfiles are refused unless allowed; .well-known is always served', () => {
  assert.deepEqual(resolveRequestPath('.env', false), { ok: false, status: 404 })
  assert.deepEqual(resolveRequestPath('app/.git/config', false), { ok: false, status: 404 })
  assert.deepEqual(resolveRequestPath('%2eenv', false), { ok: false, status: 404 })
  assert.deepEqual(resolveRequestPath('.env', true), { ok: true, segments: ['.env'] })
  assert.deepEqual(resolveRequestPath('.well-known/security.txt', false), { ok: true, segments: ['.well-known', 'security.txt'] })
})
