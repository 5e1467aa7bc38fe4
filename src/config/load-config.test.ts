import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatIssue } from './config-issue.js'
import { loadConfigText } from './load-config.js'
import { PolicyRegistry } from '../policies/index.js'

const policies = new PolicyRegistry()

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  const result = loadConfigText(yaml, 'portico.yaml', { policies, env })
  assert.equal(result.ok, false, 'expected the config to be refused')
  return result.ok ? [] : result.issues.map(formatIssue)
}

const VALID = `
listeners:
  - port: 8080
services:
  users:
    targets: [http://127.0.0.1:3001, { url: http://127.0.0.1:3002, weight: 2 }]
    timeout: 1m30s
routes:
  - name: users
    match: { host: api.example.com, path: /api/users/*, methods: [GET, POST], headers: { x-api-version: "2" } }
    service: users
    rewrite: { stripPrefix: /api }
`

test('a valid config decodes durations to milliseconds', () => {
  const result = loadConfigText(VALID, 'portico.yaml', { policies, env: {} })
  assert.ok(result.ok)
  assert.equal(result.loaded.config.services?.users?.timeout, 90_000)
  assert.equal(result.loaded.hash.length, 64)
})

test('every schema problem is listed with file, line, column, key path, expected and found', () => {
  assert.deepEqual(
    problems(`
workers: auto
listeners:
  - port: 8080
    hots: 0.0.0.0
services:
  users:
    targets:
      - http://127.0.0.1:3001
      - { url: ftp://x, weight: 0 }
    balance: round-robbin
    timeout: ten
routes:
  - match: { path: api/users, methods: [GOT] }
    service: users
`),
    [
      'portico.yaml:5:5 listeners[0].hots: expected a known key (did you mean "host"?), found unknown key "hots"',
      'portico.yaml:10:16 services.users.targets[1].url: expected an http:// or https:// origin like http://10.0.0.5:8080, found "ftp://x"',
      'portico.yaml:10:33 services.users.targets[1].weight: expected a number >= 1, found 0',
      'portico.yaml:11:14 services.users.balance: expected one of "round-robin", "least-request", "random", "ip-hash", "header-hash", found "round-robbin"',
      'portico.yaml:12:14 services.users.timeout: expected a duration like 250ms, 10s or 1m, found "ten"',
      'portico.yaml:14:20 routes[0].match.path: expected a path starting with /, found "api/users"',
      'portico.yaml:14:41 routes[0].match.methods[0]: expected one of "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "CONNECT", found "GOT"',
    ],
  )
})

test('a missing required key points at its parent', () => {
  assert.deepEqual(problems(`listeners: [{ port: 1 }]\nservices:\n  users: { timeout: 1s }\nroutes: []\n`), [
    'portico.yaml:3:10 services.users.targets: expected required key "targets", found it missing',
  ])
})

test('cross references, uniqueness, actions, templates and policies are checked after the schema', () => {
  assert.deepEqual(
    problems(`
listeners: [{ port: 8080 }]
services:
  users: { targets: [http://127.0.0.1:3001] }
routes:
  - name: a
    match: { path: /a }
    service: user
  - name: a
    match: { path: /x/:id }
    service: users
    rewrite: { path: /y/:name }
    policies:
      - requestHeader: { set: { a: b } }
      - responseHeaders: { sett: { a: b } }
  - match: { path: /z }
  - match: { path: /p/*/q }
    service: users
    redirect: { to: /q }
`),
    [
      'portico.yaml:8:14 routes[0].service: expected a service defined under services (did you mean "users"?), found "user"',
      'portico.yaml:9:11 routes[1].name: expected a unique route name (routes[0] is already "a"), found "a"',
      'portico.yaml:12:22 routes[1].rewrite.path: expected only params captured by match.path (:id), found :name',
      'portico.yaml:14:9 routes[1].policies[0].requestHeader: expected a known policy (did you mean "requestHeaders"?), found unknown policy "requestHeader"',
      'portico.yaml:15:28 routes[1].policies[1].responseHeaders.sett: expected a known key (did you mean "set"?), found unknown key "sett"',
      'portico.yaml:16:5 routes[2]: expected exactly one action: service, redirect, respond, static, aggregate, found none',
      'portico.yaml:17:5 routes[3]: expected exactly one action: service, redirect, respond, static, aggregate, found service and redirect',
      'portico.yaml:17:20 routes[3].match.path: expected a path whose only wildcard is a final /*, found "/p/*/q"',
    ],
  )
})

test('environment variables are substituted in values, typed like YAML when unquoted', () => {
  const yaml = 'listeners: [{ port: 1 }]\nworkers: ${WORKERS:-1}\nroutes:\n  - match: { path: /x }\n    respond: { body: "${GREETING}" }\n'
  const result = loadConfigText(yaml, 'portico.yaml', { policies, env: { GREETING: 'hi {there}' } })
  assert.ok(result.ok)
  assert.equal(result.loaded.config.workers, 1)
  assert.equal(result.loaded.config.routes[0]?.respond?.body, 'hi {there}')
})

test('an unset environment variable without a default is an error', () => {
  assert.deepEqual(problems('listeners:\n  - port: ${PORT}\nroutes: []\n'), [
    'portico.yaml:2:11 listeners[0].port: expected environment variable PORT to be set (or a default: ${PORT:-value}), found it unset',
  ])
})

test('a YAML syntax error reports its position once', () => {
  const found = problems('listeners:\n  - port: 1\n  bad: [\n')
  assert.equal(found.length, 1)
  assert.match(found[0] as string, /^portico\.yaml:\d+:\d+ \(yaml\): expected valid YAML/)
})

test('an empty document is refused with a clear message', () => {
  assert.deepEqual(problems(''), ['portico.yaml:1:1 (root): expected a YAML mapping with listeners, services and routes, found an empty document'])
})

test('header-hash needs hashHeader', () => {
  assert.deepEqual(problems('listeners: [{ port: 1 }]\nservices:\n  s: { targets: [http://a:1], balance: header-hash }\nroutes: []\n'), [
    'portico.yaml:3:31 services.s.balance: expected hashHeader to be set when balance is header-hash, found no hashHeader',
  ])
})
