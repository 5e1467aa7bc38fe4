// Custom rules: how they compile and sort, and the backtracking check that refuses patterns whose
// shape lets a crafted value take seconds (each refused shape is timed here against V8 itself).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { backtrackingRisk, compileCustomRules } from './custom-rules.js'

const risk = (pattern: string, flags = 'i'): string | undefined => backtrackingRisk(pattern, flags)

test('a repeated group holding an alternation or a quantifier is refused, whatever the repetition', () => {
  for (const [pattern, group] of [
    ['(\\w|\\d)+x', '(\\w|\\d)+'],
    ['(a|a)*x', '(a|a)*'],
    ['(a+){12}x', '(a+){12}'],
    ['(a+)+', '(a+)+'],
    ['^(\\w+\\s?)*$', '(\\w+\\s?)*'],
    ['(?:x|(y*))+z', '(?:x|(y*))+'],
    ['((ab)*c){2,}', '((ab)*c){2,}'],
    ['(a?){25}', '(a?){25}'],
    ['(?:foo|bar)+', '(?:foo|bar)+'],
    ['x(?:a(?:b|c))*?y', '(?:a(?:b|c))*?'],
    ['(?=(a+)+)', '(a+)+'],
  ] as const) {
    assert.match(risk(pattern) ?? '', new RegExp(`^repeats the group ${group.replace(/[\\^$.*+?()[\]{}|]/g, '\\$&')}, which holds (an alternation|a quantifier): `), pattern)
  }
  assert.equal(risk('(a|b)*'), 'repeats the group (a|b)*, which holds an alternation: that can backtrack catastrophically (exponential time on a few dozen characters); use a character class, or do not repeat the group')
  assert.equal(risk('(a+){12}x'), 'repeats the group (a+){12}, which holds a quantifier: that can backtrack catastrophically (exponential time on a few dozen characters); rewrite it without the nested quantifier')
})

test('quantifiers in a row that can match the same characters are refused unless bounded', () => {
  for (const [pattern, first, second] of [
    ['\\w*\\w*\\w*x', '\\w*', '\\w*'],
    ['a.*b.*c', '.*', '.*'],
    ['select.*from.*where', '.*', '.*'],
    ['\\s*.*', '\\s*', '.*'],
    ['\\w+x\\w+y', '\\w+', '\\w+'],
    ['(?:\\d+)?\\d+', '\\d+', '\\d+'],
    ['.{0,100}a.{0,100}b', '.{0,100}', '.{0,100}'],
    ['\\w{1,20}\\w{1,20}\\w{1,20}x', '\\w{1,20}', '\\w{1,20}'],
    ['(?:a.*|b)c.*d', '.*', '.*'],
    ['(?=.*a.*b)', '.*', '.*'],
    ['(?<=\\w+\\w+)x', '\\w+', '\\w+'],
    ['[a-z]+[A-Z]+x', '[a-z]+', '[A-Z]+'],
    ['a?a?a?a?a?a?a?a?a?a?aaaaaaaaaa', 'a?', 'a?'],
  ] as const) {
    assert.ok((risk(pattern) ?? '').startsWith(`has ${first} and then ${second} able to match the same characters`), `${pattern}: ${risk(pattern)}`)
  }
  assert.equal(
    risk('a.*b.*c'),
    'has .* and then .* able to match the same characters with nothing in between that stops the first, so a crafted value is split between them every possible way (polynomial backtracking: seconds on a few hundred characters); make them match different characters, or bound them (their ranges may multiply to at most 1000, where *, + and {n,} count as 100)',
  )
  assert.equal(risk('[a-z]+[A-Z]+x', ''), undefined, 'case-sensitive: the classes do not overlap')
})

test('common safe shapes are accepted', () => {
  for (const pattern of [
    'internal-only',
    '^evil-[a-z]+$',
    '^(1|true|on)$',
    '(\\d+)?x{1,3}',
    '[(+)]+\\(a+\\)+',
    '\\d+(\\.\\d+)?',
    'union\\s+all\\s+select',
    '<script[^>]*>.*</script>',
    '\\w+\\s*=\\s*\\w+',
    '^https?://[^/]+/admin',
    '.*\\.php$',
    '(?:wget|curl)\\s+https?://',
    '\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}',
    '.{0,30}a.{0,30}b',
    '.*\\d{1,3}',
    '.*\\n.*',
    '(ab)+c',
    '(ab){3}',
    '(a|b)?c',
    '(\\w+)\\s+\\1',
    'password\\s*=.*',
    '[a-z]+@[a-z]+\\.com',
    '\\$\\{jndi:',
    'x{,5}',
    '(?<year>\\d{4})-\\k<year>',
  ]) {
    assert.equal(risk(pattern), undefined, pattern)
  }
})

test('what the check refuses is slow in V8 and what it accepts is not (timed on the real engine)', () => {
  const time = (pattern: string, input: string): number => {
    const regex = new RegExp(pattern, 'i')
    const started = performance.now()
    regex.test(input)
    return performance.now() - started
  }
  // Refused shapes: 19 characters (exponential) or 100 (polynomial) already cost tens of ms on a
  // fresh regex, and each character more doubles that (30 take seconds to minutes).
  for (const [pattern, input] of [
    ['(\\w|\\d)+x', '1'.repeat(19)],
    ['(a|a)*x', 'a'.repeat(19)],
    ['(a+){12}x', 'a'.repeat(20)],
    ['\\w*\\w*\\w*x', 'a'.repeat(100)],
  ] as const) {
    assert.notEqual(risk(pattern), undefined)
    assert.ok(time(pattern, input) > 10, `${pattern} is expected to be slow on ${input.length} characters`)
  }
  // Accepted ones on 8 KiB (customMaxLength): about a millisecond to a few tens.
  for (const [pattern, input] of [
    ['[\\w\\d]+x', '1'.repeat(8192)],
    ['a+x', 'a'.repeat(8192)],
    ['.{0,30}a.{0,30}b', 'a'.repeat(8192)],
  ] as const) {
    assert.equal(risk(pattern), undefined)
    assert.ok(time(pattern, input) < 300, `${pattern} is expected to be fast`)
  }
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

test('custom rules refuse built-in or repeated ids, invalid patterns and backtracking shapes, naming entry and rule', () => {
  const reserved = new Set([942100])
  assert.throws(() => compileCustomRules([{ id: 942100, where: ['path'], pattern: 'x' }], reserved), /^Error: custom\[0\]\.id 942100 is a built-in rule id; pick another$/)
  assert.throws(() => compileCustomRules([{ id: 1, where: ['path'], pattern: 'x' }, { id: 1, where: ['body'], pattern: 'y' }], reserved), /^Error: custom\[1\]\.id 1 is used by another custom rule$/)
  assert.throws(() => compileCustomRules([{ id: 1, where: ['path'], pattern: '(?i)evil' }], reserved), /^Error: custom\[0\]\.pattern \(rule 1\) is not a valid regular expression: Invalid regular expression/)
  assert.throws(() => compileCustomRules([{ id: 1, where: ['path'], pattern: 'ok' }, { id: 2, where: ['path'], pattern: '(a+)+$' }], reserved), /^Error: custom\[1\]\.pattern \(rule 2\) repeats the group \(a\+\)\+, which holds a quantifier: /)
  assert.throws(() => compileCustomRules([{ id: 3, where: ['query'], pattern: 'a.*b.*c' }], reserved), /^Error: custom\[0\]\.pattern \(rule 3\) has \.\* and then \.\* able to match the same characters/)
})
