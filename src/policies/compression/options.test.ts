import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatIssue } from '../../config/config-issue.js'
import { loadConfigText } from '../../config/load-config.js'
import { PolicyRegistry } from '../index.js'

const policies = new PolicyRegistry()

function load(entries: string) {
  return loadConfigText(`listeners: [{ port: 8080 }]\nroutes:\n  - match: { path: /x }\n    respond: { body: hi }\n    policies:\n${entries}`, 'portico.yaml', { policies, env: {} })
}

test('compression options decode sizes and keep what was written', () => {
  const result = load('      - compression: { algorithms: [gzip], minSize: 2kb, contentTypes: [text/*, application/*+json], level: { gzip: 9 } }\n      - compression:\n      - compression: { streamingTypes: [application/x-ndjson, text/*] }\n      - compression: { streamingTypes: [] }\n')
  assert.ok(result.ok)
  const refs = result.loaded.policies.get('route:0') ?? []
  assert.deepEqual(refs[0]?.options, { algorithms: ['gzip'], minSize: 2048, contentTypes: ['text/*', 'application/*+json'], level: { gzip: 9 } })
  assert.deepEqual(refs[1]?.options, {})
  assert.deepEqual(refs[2]?.options, { streamingTypes: ['application/x-ndjson', 'text/*'] })
  assert.deepEqual(refs[3]?.options, { streamingTypes: [] })
})

test('bad compression options are reported with the exact key, expectation and value', () => {
  const result = load(
    [
      '      - compression: { algorithms: [br, zstd], minSize: lots, contentTypes: [text], level: { br: 12, gzip: 0 }, extra: 1 }',
      '      - compression: { algorithms: [gzip, gzip] }',
      '      - compression: { levels: {} }',
      '      - compression: { streamingTypes: [ndjson] }',
      '',
    ].join('\n'),
  )
  assert.equal(result.ok, false)
  assert.deepEqual(result.ok ? [] : result.issues.map(formatIssue), [
    'portico.yaml:6:113 routes[0].policies[0].compression.extra: expected one of the keys algorithms, minSize, contentTypes, streamingTypes, level, found unknown key "extra"',
    'portico.yaml:6:41 routes[0].policies[0].compression.algorithms[1]: expected one of "br", "gzip", "deflate", found "zstd"',
    'portico.yaml:6:57 routes[0].policies[0].compression.minSize: expected a size like 16384, 16kb or 10mb, found "lots"',
    'portico.yaml:6:78 routes[0].policies[0].compression.contentTypes[0]: expected a media type like text/html, text/* or application/*+json, found "text"',
    'portico.yaml:6:98 routes[0].policies[0].compression.level.br: expected a number <= 11, found 12',
    'portico.yaml:6:108 routes[0].policies[0].compression.level.gzip: expected a number >= 1, found 0',
    'portico.yaml:7:36 routes[0].policies[1].compression.algorithms: expected a list of distinct codings from br, gzip, deflate, found a list of 2',
    'portico.yaml:8:24 routes[0].policies[2].compression.levels: expected a known key (did you mean "level"?), found unknown key "levels"',
    'portico.yaml:9:41 routes[0].policies[3].compression.streamingTypes[0]: expected a media type like text/event-stream, text/* or application/*+json, found "ndjson"',
  ])
})
