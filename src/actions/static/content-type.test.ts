import { test } from 'node:test'
import assert from 'node:assert/strict'
import { contentTypeFor, DEFAULT_CONTENT_TYPE, hasExtension } from './content-type.js'

test('common web types, with a charset for text', () => {
  assert.equal(contentTypeFor('index.html'), 'text/html; charset=utf-8')
  assert.equal(contentTypeFor('app.min.js'), 'text/javascript; charset=utf-8')
  assert.equal(contentTypeFor('styles/site.css'), 'text/css; charset=utf-8')
  assert.equal(contentTypeFor('data.json'), 'application/json')
  assert.equal(contentTypeFor('logo.svg'), 'image/svg+xml')
  assert.equal(contentTypeFor('font.woff2'), 'font/woff2')
  assert.equal(contentTypeFor('module.wasm'), 'application/wasm')
})

test('extensions are matched case-insensitively, by the last one', () => {
  assert.equal(contentTypeFor('PHOTO.JPG'), 'image/jpeg')
  assert.equal(contentTypeFor('archive.tar.gz'), 'application/gzip')
})

test('unknown, missing or prototype-named extensions are octet-stream', () => {
  for (const name of ['file.unknownext', 'README', 'dir.d/README', 'x.constructor', 'x.__proto__', 'trailing.']) {
    assert.equal(contentTypeFor(name), DEFAULT_CONTENT_TYPE, name)
  }
})

test('hasExtension tells asset paths from app routes', () => {
  assert.equal(hasExtension('app.js'), true)
  assert.equal(hasExtension('users'), false)
  assert.equal(hasExtension('.hidden'), false)
  assert.equal(hasExtension('v1.'), false)
})
