// The `waf` options: what the schema accepts and decodes, the exact issue text for what it does
// not, and the checks only create() can make (rule ids, custom patterns).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatIssue } from '../../config/config-issue.js'
import { loadConfigText } from '../../config/load-config.js'
import { ConsumerDirectory } from '../../exchange/consumer.js'
import { silentLogger } from '../../observability/logger.js'
import type { PolicyEnv } from '../../pipeline/policy.js'
import { MemoryStore } from '../../stores/memory-store.js'
import { PolicyRegistry } from '../index.js'
import { waf } from './waf.js'

const policies = new PolicyRegistry()

function load(entries: string) {
  return loadConfigText(`listeners: [{ port: 8080 }]\nroutes:\n  - match: { path: /x }\n    respond: { body: hi }\n    policies:\n${entries}`, 'portico.yaml', { policies, env: {} })
}

test('waf is registered in stage edge; options decode sizes and keep what was written', () => {
  assert.equal(policies.definition('waf')?.stage, 'edge')
  const result = load([
    '      - waf: {}',
    '      - waf: { mode: detect, threshold: 8, rules: [xss, sqli], exclude: [941160], headers: [X-Original-URL], inspectBody: { maxSize: 1kb, onTooLarge: block }, customMaxLength: 1024, custom: [{ id: 1, where: ["header:X-Debug"], pattern: "^on$", score: 3 }] }',
    '',
  ].join('\n'))
  assert.ok(result.ok, result.ok ? '' : result.issues.map(formatIssue).join('\n'))
  const refs = result.loaded.policies.get('route:0') ?? []
  assert.deepEqual(refs[0]?.options, {})
  assert.deepEqual(refs[1]?.options, {
    mode: 'detect',
    threshold: 8,
    rules: ['xss', 'sqli'],
    exclude: [941160],
    headers: ['X-Original-URL'],
    inspectBody: { maxSize: 1024, onTooLarge: 'block' },
    customMaxLength: 1024,
    custom: [{ id: 1, where: ['header:X-Debug'], pattern: '^on$', score: 3 }],
  })
})

test('bad waf options are reported with the exact key, expectation and value', () => {
  const result = load([
    '      - waf: { mode: audit, threshold: 0, rules: [sqli, csrf], exclude: [942100, "x"], maxValueLength: 0, headers: ["bad header"], extra: 1 }',
    '      - waf: { inspectBody: { maxSize: lots, contentTypes: [json], onTooLarge: drop }, rule: [sqli] }',
    '      - waf: { custom: [{ id: 0, where: [cookies, "header:"], pattern: "", score: 0 }, { where: [path] }] }',
    '',
  ].join('\n'))
  assert.equal(result.ok, false)
  assert.deepEqual(result.ok ? [] : result.issues.map(formatIssue), [
    'portico.yaml:6:132 routes[0].policies[0].waf.extra: expected one of the keys mode, threshold, rules, exclude, maxValueLength, maxParameters, headers, inspectBody, customMaxLength, custom, found unknown key "extra"',
    'portico.yaml:6:22 routes[0].policies[0].waf.mode: expected one of "block", "detect", found "audit"',
    'portico.yaml:6:40 routes[0].policies[0].waf.threshold: expected a number >= 1, found 0',
    'portico.yaml:6:57 routes[0].policies[0].waf.rules[1]: expected one of "sqli", "xss", "traversal", "rce", "scanners", "protocol", found "csrf"',
    'portico.yaml:6:82 routes[0].policies[0].waf.exclude[1]: expected a rule id (an integer like 942100), found "x"',
    'portico.yaml:6:104 routes[0].policies[0].waf.maxValueLength: expected a number >= 1, found 0',
    'portico.yaml:6:117 routes[0].policies[0].waf.headers[0]: expected a header name (letters, digits and !#$%&\'*+.^_`|~-), found "bad header"',
    'portico.yaml:7:88 routes[0].policies[1].waf.rule: expected a known key (did you mean "rules"?), found unknown key "rule"',
    'portico.yaml:7:40 routes[0].policies[1].waf.inspectBody.maxSize: expected a size like 16384, 16kb or 10mb, found "lots"',
    'portico.yaml:7:61 routes[0].policies[1].waf.inspectBody.contentTypes[0]: expected a media type like application/json, text/* or application/*+json, found "json"',
    'portico.yaml:7:80 routes[0].policies[1].waf.inspectBody.onTooLarge: expected one of "pass", "block", found "drop"',
    'portico.yaml:8:31 routes[0].policies[2].waf.custom[0].id: expected a rule id (an integer like 942100), found 0',
    'portico.yaml:8:42 routes[0].policies[2].waf.custom[0].where[0]: expected path, query, headers, body or a header like header:x-debug, found "cookies"',
    'portico.yaml:8:51 routes[0].policies[2].waf.custom[0].where[1]: expected path, query, headers, body or a header like header:x-debug, found "header:"',
    'portico.yaml:8:72 routes[0].policies[2].waf.custom[0].pattern: expected a non-empty string, found ""',
    'portico.yaml:8:83 routes[0].policies[2].waf.custom[0].score: expected a number >= 1, found 0',
    'portico.yaml:8:88 routes[0].policies[2].waf.custom[1].id: expected required key "id", found it missing',
    'portico.yaml:8:88 routes[0].policies[2].waf.custom[1].pattern: expected required key "pattern", found it missing',
  ])
})

const env: PolicyEnv = {
  location: 'portico.yaml:6',
  baseDir: '.',
  log: silentLogger(),
  routeName: 'x',
  now: () => 0,
  consumers: new ConsumerDirectory([]),
  store: new MemoryStore(),
}

test('create() refuses unknown excluded ids, built-in or repeated custom ids and unsafe patterns', () => {
  assert.throws(() => waf.create({ exclude: [942999] }, env), /^Error: exclude: no rule has the id 942999$/)
  assert.throws(() => waf.create({ custom: [{ id: 913100, where: ['path'], pattern: 'x' }] }, env), /^Error: custom\[0\]\.id 913100 is a built-in rule id; pick another$/)
  assert.throws(() => waf.create({ custom: [{ id: 7, where: ['path'], pattern: '[' }] }, env), /^Error: custom\[0\]\.pattern \(rule 7\) is not a valid regular expression: Invalid regular expression: \/\[\/i: Unterminated character class$/)
  assert.throws(() => waf.create({ custom: [{ id: 7, where: ['body'], pattern: '^(\\w+\\s?)*$' }] }, env), /^Error: custom\[0\]\.pattern \(rule 7\) repeats the group \(\\w\+\\s\?\)\*, which holds a quantifier: that can backtrack catastrophically \(exponential time on a few dozen characters\); rewrite it without the nested quantifier$/)
  assert.doesNotThrow(() => waf.create({ exclude: [7], custom: [{ id: 7, where: ['path'], pattern: 'x' }] }, env), 'a custom id may be excluded')
})

test('create() refuses the shapes that take seconds on 30 characters of client input, naming the rule and the group', () => {
  const refused = (pattern: string): string => {
    try {
      waf.create({ custom: [{ id: 1001, where: ['query'], pattern: 'harmless' }, { id: 1002, where: ['headers'], pattern }] }, env)
    } catch (error) {
      return (error as Error).message
    }
    return 'accepted'
  }
  assert.equal(refused('(\\w|\\d)+x'), 'custom[1].pattern (rule 1002) repeats the group (\\w|\\d)+, which holds an alternation: that can backtrack catastrophically (exponential time on a few dozen characters); use a character class, or do not repeat the group')
  assert.equal(refused('(a|a)*x'), 'custom[1].pattern (rule 1002) repeats the group (a|a)*, which holds an alternation: that can backtrack catastrophically (exponential time on a few dozen characters); use a character class, or do not repeat the group')
  assert.equal(refused('(a+){12}x'), 'custom[1].pattern (rule 1002) repeats the group (a+){12}, which holds a quantifier: that can backtrack catastrophically (exponential time on a few dozen characters); rewrite it without the nested quantifier')
  assert.match(refused('\\w*\\w*\\w*x'), /^custom\[1\]\.pattern \(rule 1002\) has \\w\* and then \\w\* able to match the same characters/)
  assert.equal(refused('[\\w\\d]+x'), 'accepted')
  assert.equal(refused('(ab){12}x'), 'accepted', 'a fixed group may repeat')
})
