import { test } from 'node:test'
import assert from 'node:assert/strict'
import { nestingExceeds } from './fetch-call.js'

const depthOf = (text: string, max: number): boolean => nestingExceeds(Buffer.from(text), max)

test('nesting depth counts arrays and objects, not brackets inside strings', () => {
  assert.equal(depthOf('{"a":[1,{"b":2}]}', 3), false)
  assert.equal(depthOf('{"a":[1,{"b":2}]}', 2), true)
  assert.equal(depthOf('[[],[],[[]]]', 3), false)
  assert.equal(depthOf('[[],[],[[[]]]]', 3), true)
  assert.equal(depthOf('42', 1), false)
  assert.equal(depthOf('"[[[[{{{{"', 1), false, 'brackets in a string')
  assert.equal(depthOf('["\\"[[[", "\\\\", [1]]', 2), false, 'escaped quotes and backslashes end strings correctly')
  assert.equal(depthOf('["\\\\"]', 1), false)
  assert.equal(depthOf('{"é[":["ü{"]}', 2), false, 'multi-byte text')
  assert.equal(depthOf(`${'['.repeat(200_000)}${']'.repeat(200_000)}`, 256), true)
  assert.equal(depthOf(`${'['.repeat(256)}${']'.repeat(256)}`, 256), false)
})
