import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatIssue } from '../../config/config-issue.js'
import { loadConfigText } from '../../config/load-config.js'
import { PolicyRegistry } from '../../policies/index.js'

const policies = new PolicyRegistry()

function load(route: string) {
  return loadConfigText(`listeners: [{ port: 8080 }]\nroutes:\n  - match: { path: /assets/* }\n${route}`, 'portico.yaml', { policies, env: {} })
}

test('a static route decodes with its options', () => {
  const result = load('    static: { root: ./public, index: home.html, spa: true, cacheControl: "public, max-age=60", precompressed: true }\n')
  assert.ok(result.ok)
  assert.deepEqual(result.loaded.config.routes[0]?.static, { root: './public', index: 'home.html', spa: true, cacheControl: 'public, max-age=60', precompressed: true })
})

test('bad static options are reported precisely', () => {
  const result = load('    static: { index: .., spa: yes, precompresed: true }\n')
  assert.equal(result.ok, false)
  assert.deepEqual(result.ok ? [] : result.issues.map(formatIssue), [
    'portico.yaml:4:13 routes[0].static.root: expected required key "root", found it missing',
    'portico.yaml:4:36 routes[0].static.precompresed: expected a known key (did you mean "precompressed"?), found unknown key "precompresed"',
    'portico.yaml:4:22 routes[0].static.index: expected a file name like index.html, or false, found ".."',
    'portico.yaml:4:31 routes[0].static.spa: expected true or false, found "yes"',
  ])
  const both = load('    static: { root: ./public }\n    respond: { body: hi }\n')
  assert.deepEqual(both.ok ? [] : both.issues.map(formatIssue), [
    'portico.yaml:3:5 routes[0]: expected exactly one action: service, redirect, respond, static, aggregate, found respond and static',
  ])
})
