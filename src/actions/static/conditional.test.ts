import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createEtag, evaluatePreconditions, matchesList, rangeStillValid, type Validators } from './conditional.js'

const modified = Date.UTC(2024, 0, 15, 12, 0, 0)
const v: Validators = { etag: '"abc"', lastModifiedMs: modified }
const at = (ms: number): string => new Date(ms).toUTCString()

test('ETags: strong, from size and mtime, distinct per coding', () => {
  assert.equal(createEtag(1234, 1700000000123.9), '"4d2-18bcfe5687b"')
  assert.equal(createEtag(1234, 1700000000123, 'br'), '"4d2-18bcfe5687b-br"')
  assert.notEqual(createEtag(1234, 1700000000124), createEtag(1234, 1700000000123))
})

test('entity-tag lists: weak comparison for If-None-Match, strong for If-Match', () => {
  assert.equal(matchesList('"x", "abc"', '"abc"', false), true)
  assert.equal(matchesList('W/"abc"', '"abc"', false), true)
  assert.equal(matchesList('W/"abc"', '"abc"', true), false)
  assert.equal(matchesList(' * ', '"abc"', true), true)
  assert.equal(matchesList('"a,b", "abc"', '"abc"', true), true)
  assert.equal(matchesList('"a,b"', '"a"', false), false)
  assert.equal(matchesList('abc', '"abc"', false), false)
  assert.equal(matchesList('"abc', '"abc"', false), false)
})

test('If-None-Match → 304 when it matches, and overrides If-Modified-Since', () => {
  assert.equal(evaluatePreconditions({ 'if-none-match': '"abc"' }, v), 'not-modified')
  assert.equal(evaluatePreconditions({ 'if-none-match': '"old"' }, v), 'proceed')
  assert.equal(evaluatePreconditions({ 'if-none-match': '"old"', 'if-modified-since': at(modified) }, v), 'proceed')
  assert.equal(evaluatePreconditions({ 'if-none-match': '*' }, v), 'not-modified')
})

test('If-Modified-Since → 304 unless modified after the date; bad dates are ignored', () => {
  assert.equal(evaluatePreconditions({ 'if-modified-since': at(modified) }, v), 'not-modified')
  assert.equal(evaluatePreconditions({ 'if-modified-since': at(modified + 5000) }, v), 'not-modified')
  assert.equal(evaluatePreconditions({ 'if-modified-since': at(modified - 1000) }, v), 'proceed')
  assert.equal(evaluatePreconditions({ 'if-modified-since': 'yesterday' }, v), 'proceed')
})

test('If-Match and If-Unmodified-Since fail with 412 first', () => {
  assert.equal(evaluatePreconditions({ 'if-match': '"abc"' }, v), 'proceed')
  assert.equal(evaluatePreconditions({ 'if-match': '"other"', 'if-none-match': '"abc"' }, v), 'failed')
  assert.equal(evaluatePreconditions({ 'if-match': 'W/"abc"' }, v), 'failed')
  assert.equal(evaluatePreconditions({ 'if-unmodified-since': at(modified - 1000) }, v), 'failed')
  assert.equal(evaluatePreconditions({ 'if-unmodified-since': at(modified) }, v), 'proceed')
  // If-Match present: If-Unmodified-Since is not evaluated.
  assert.equal(evaluatePreconditions({ 'if-match': '*', 'if-unmodified-since': at(0) }, v), 'proceed')
})

test('If-Range: strong ETag or exact date, else the whole file', () => {
  assert.equal(rangeStillValid(undefined, v), true)
  assert.equal(rangeStillValid('"abc"', v), true)
  assert.equal(rangeStillValid('W/"abc"', v), false)
  assert.equal(rangeStillValid('"old"', v), false)
  assert.equal(rangeStillValid(at(modified), v), true)
  assert.equal(rangeStillValid(at(modified - 1000), v), false)
  assert.equal(rangeStillValid('not a date', v), false)
})
