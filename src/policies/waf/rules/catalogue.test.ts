// The rule catalogue's own invariants: stable unique ids, patterns fit to be joined into one
// alternation, linear time on adversarial input, and a documented list that matches the code.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import { toHtmlForm, toSqlForm } from '../normalize.js'
import { RULE_GROUPS, SEVERITY_SCORES } from '../rule.js'
import { BUILTIN_RULE_IDS, LIMIT_RULES, SIGNATURE_RULES } from './catalogue.js'

const ALL = [...SIGNATURE_RULES, ...LIMIT_RULES]

test('rule ids are unique six-digit numbers in their group range, with a known severity and a message', () => {
  assert.equal(BUILTIN_RULE_IDS.size, ALL.length, 'duplicate rule id')
  const ranges: Record<string, RegExp> = { sqli: /^942/, xss: /^941/, traversal: /^930/, rce: /^93[234]|^944/, scanners: /^913/, protocol: /^920/ }
  for (const rule of ALL) {
    assert.match(String(rule.id), /^9\d{5}$/)
    assert.match(String(rule.id), ranges[rule.group] as RegExp, `${rule.id} is outside the ${rule.group} range`)
    assert.ok(SEVERITY_SCORES[rule.severity] > 0)
    assert.ok(rule.message.length > 10)
  }
  for (const group of RULE_GROUPS) assert.ok(ALL.some((rule) => rule.group === group), `group ${group} has no rule`)
})

test('patterns take no flags and no backreferences, and all of them join into one valid alternation', () => {
  for (const rule of SIGNATURE_RULES) {
    assert.equal(rule.pattern.flags, '', `${rule.id} has flags`)
    assert.doesNotMatch(rule.pattern.source, /\\[1-9]|\\k</, `${rule.id} has a backreference`)
    assert.ok(rule.targets.length > 0)
  }
  assert.doesNotThrow(() => new RegExp(SIGNATURE_RULES.map((rule) => `(?:${rule.pattern.source})`).join('|')))
})

test('case-form patterns have no upper-case letters, so the lower-case screen never misses what they match', () => {
  const caseRules = SIGNATURE_RULES.filter((rule) => rule.form === 'case')
  assert.ok(caseRules.length > 0)
  for (const rule of caseRules) assert.doesNotMatch(rule.pattern.source.replace(/\\./g, ''), /[A-Z]/, `${rule.id} has an upper-case letter`)
})

test('every rule runs in linear time on 32 KiB of adversarial repetition', () => {
  const units = ["'", ' ', '.', '/', '%', '&', ';', '<', '(', '$', '{', '1', 'a', '\\', '`', '"', '=', '-', '#', '\n', '\t', '0x', ' or ', '../', '${', 'on', "' or ", 'union ', '/*', '|', '&#', '%2', '_', '__', '()', '-a ', 'cat ', '; cat ', 'java\n', '| id ', '&&', '|ls', '; ls -', 'python a.', 'id -']
  const size = 32 * 1024
  let slowest = { ms: 0, what: '' }
  for (const unit of units) {
    const lower = unit.repeat(Math.ceil(size / unit.length)).slice(0, size)
    const forms = { lower, sql: toSqlForm(lower), html: toHtmlForm(lower), case: lower }
    for (const rule of SIGNATURE_RULES) {
      const started = performance.now()
      rule.pattern.test(forms[rule.form])
      const ms = performance.now() - started
      if (ms > slowest.ms) slowest = { ms, what: `${rule.id} on ${JSON.stringify(unit)}` }
    }
  }
  // Quadratic behaviour on 32 KiB takes seconds; linear takes about a millisecond.
  assert.ok(slowest.ms < 150, `${slowest.what} took ${slowest.ms.toFixed(1)} ms`)
})

test('docs/waf-rules.md lists every rule id', () => {
  const doc = readFileSync(new URL('../../../../docs/waf-rules.md', import.meta.url), 'utf8')
  const documented = new Set([...doc.matchAll(/^\| (\d{6}) \|/gm)].map((match) => Number(match[1])))
  assert.deepEqual([...BUILTIN_RULE_IDS].filter((id) => !documented.has(id)), [], 'rules missing from the doc')
  assert.deepEqual([...documented].filter((id) => !BUILTIN_RULE_IDS.has(id)), [], 'documented rules that do not exist')
})
