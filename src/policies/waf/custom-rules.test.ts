import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileCustomRules, nestedQuantifier } from './custom-rules.js'

test('nestedQuantifier finds quantified groups holding an unbounded quantifier, and only those', () => {
  assert.equal(nestedQuantifier('(a+)+'), '(a+)+')
  assert.equal(nestedQuantifier('^(\\w+\\s?)*$'), '(\\w+\\s?)*')
  assert.equal(nestedQuantifier('(?:x|(y*))+z'), '(?:x|(y*))+')
  assert.equal(nestedQuantifier('((ab)*c){2,}'), '((ab)*c){')
  assert.equal(nestedQuantifier('^evil-[a-z]+$'), undefined)
  assert.equal(nestedQuantifier('(a|b)*'), undefined)
  assert.equal(nestedQuantifier('(\\d+)?x{1,3}'), undefined)
  assert.equal(nestedQuantifier('[(+)]+\\(a+\\)+'), undefined, 'classes and escapes are not groups')
})

test('custom rules compile case-insensitively by default and are sorted by where they look', () => {
  const set = compileCustomRules(
    [
      { id: 100, where: ['header:X-Debug', 'headers'], pattern: '^on$' },
      { id: 101, where: ['path', 'query', 'body'], pattern: 'Secret', caseSensitive: true, score: 2, message: 'secret' },
    ],
    new Set([942100]),
  )
  const debug = set.header.get('x-debug')?.[0]
  assert.equal(debug?.id, 100)
  assert.equal(debug?.score, 5)
  assert.equal(debug?.message, 'Custom rule 100')
  assert.ok(debug?.pattern.test('ON'))
  assert.deepEqual(set.headers.map((rule) => rule.id), [100])
  for (const list of [set.path, set.query, set.body]) assert.deepEqual(list.map((rule) => [rule.id, rule.score]), [[101, 2]])
  assert.equal(set.path[0]?.pattern.test('secret'), false)
})

test('custom rules refuse built-in or repeated ids, invalid patterns and nested quantifiers', () => {
  const reserved = new Set([942100])
  assert.throws(() => compileCustomRules([{ id: 942100, where: ['path'], pattern: 'x' }], reserved), /^Error: custom\[0\]\.id 942100 is a built-in rule id; pick another$/)
  assert.throws(() => compileCustomRules([{ id: 1, where: ['path'], pattern: 'x' }, { id: 1, where: ['body'], pattern: 'y' }], reserved), /^Error: custom\[1\]\.id 1 is used by another custom rule$/)
  assert.throws(() => compileCustomRules([{ id: 1, where: ['path'], pattern: '(?i)evil' }], reserved), /^Error: custom\[0\]\.pattern is not a valid regular expression: Invalid regular expression/)
  assert.throws(() => compileCustomRules([{ id: 1, where: ['path'], pattern: '(a+)+$' }], reserved), /^Error: custom\[0\]\.pattern has a nested quantifier \(\(a\+\)\+\) that can backtrack catastrophically/)
})
