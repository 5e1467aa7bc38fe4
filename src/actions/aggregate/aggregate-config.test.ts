import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatIssue } from '../../config/config-issue.js'
import { loadConfigText } from '../../config/load-config.js'
import { PolicyRegistry } from '../../policies/index.js'

const policies = new PolicyRegistry()

const HEAD = `listeners: [{ port: 8080 }]
services:
  users: { targets: [http://127.0.0.1:3001] }
  orders: { targets: [http://127.0.0.1:3002] }
  crm: { targets: [http://127.0.0.1:3003] }
routes:
  - match: { path: /a }
    respond: { body: hi }
  - match: { path: /b }
    service: users
`

function problems(routes: string): string[] {
  const result = loadConfigText(`${HEAD}${routes}`, 'portico.yaml', { policies, env: {} })
  assert.equal(result.ok, false, 'expected the config to be refused')
  return result.ok ? [] : result.issues.map(formatIssue)
}

test('an aggregate route decodes with its durations and sizes', () => {
  const result = loadConfigText(
    `${HEAD}  - name: dashboard
    match: { path: /api/dashboard/:userId, methods: [GET] }
    aggregate:
      timeout: 5s
      maxBodySize: 64kb
      maxDepth: 32
      calls:
        user:    { service: users,  path: "/users/:userId", forwardHeaders: [authorization], maxDepth: 8 }
        orders:  { service: orders, path: "/orders?user=:userId&limit=5", optional: true, timeout: 2s, forwardQuery: true }
        company: { service: crm,    path: "/companies/{user.companyId}", method: POST, maxBodySize: 1mb }
      select: { user: [id, name, companyId] }
      rename: { orders: recentOrders }
`,
    'portico.yaml',
    { policies, env: {} },
  )
  assert.ok(result.ok, result.ok ? '' : result.issues.map(formatIssue).join('\n'))
  assert.deepEqual(result.loaded.config.routes[2]?.aggregate, {
    timeout: 5000,
    maxBodySize: 65536,
    maxDepth: 32,
    calls: {
      user: { service: 'users', path: '/users/:userId', forwardHeaders: ['authorization'], maxDepth: 8 },
      orders: { service: 'orders', path: '/orders?user=:userId&limit=5', optional: true, timeout: 2000, forwardQuery: true },
      company: { service: 'crm', path: '/companies/{user.companyId}', method: 'POST', maxBodySize: 1048576 },
    },
    select: { user: ['id', 'name', 'companyId'] },
    rename: { orders: 'recentOrders' },
  })
})

test('bad aggregate options are reported precisely by the schema', () => {
  assert.deepEqual(
    problems(`  - match: { path: /d/:userId }
    aggregate:
      calls:
        orders: { service: crm, path: "/orders", optinal: true }
        company: { service: crm, path: "/companies", timeout: soon }
        boss: { service: crm, path: "/bosses", forwardHeaders: [x-api-key], method: HEAD }
        bad: { service: crm, path: "companies" }
      select: { orders: ["a..b"] }
      rename: { boss: _x }
  - match: { path: /e }
    aggregate: { calls: {} }
  - match: { path: /f }
    aggregate: { maxDepth: 5000, calls: { a: { service: crm, path: "/a", maxDepth: 0 } } }
`),
    [
      'portico.yaml:14:50 routes[2].aggregate.calls.orders.optinal: expected a known key (did you mean "optional"?), found unknown key "optinal"',
      'portico.yaml:15:63 routes[2].aggregate.calls.company.timeout: expected a duration like 250ms, 10s or 1m, found "soon"',
      'portico.yaml:16:85 routes[2].aggregate.calls.boss.method: expected one of "GET", "POST", "PUT", "PATCH", "DELETE", found "HEAD"',
      'portico.yaml:16:65 routes[2].aggregate.calls.boss.forwardHeaders[0]: expected one of "authorization", "cookie", found "x-api-key"',
      'portico.yaml:17:36 routes[2].aggregate.calls.bad.path: expected a path starting with / (no spaces or #), found "companies"',
      'portico.yaml:18:26 routes[2].aggregate.select.orders[0]: expected a field path like id or address.city, found "a..b"',
      'portico.yaml:19:23 routes[2].aggregate.rename.boss: expected a key starting with a letter (letters, digits, _ and -), found "_x"',
      'portico.yaml:21:25 routes[3].aggregate.calls: expected at least 1 key(s), found an object with keys (none)',
      'portico.yaml:23:28 routes[4].aggregate.maxDepth: expected a nesting depth from 1 to 1000, found 5000',
      'portico.yaml:23:84 routes[4].aggregate.calls.a.maxDepth: expected a nesting depth from 1 to 1000, found 0',
    ],
  )
})

test('unknown services and calls, cycles, uncaptured params and unknown select/rename keys are located', () => {
  assert.deepEqual(
    problems(`  - name: dashboard
    match: { path: /api/dashboard/:userId }
    aggregate:
      calls:
        user: { service: user, path: "/users/:id" }
        orders: { service: crm, path: "/orders/{ordrs.x}" }
        company: { service: crm, path: "/companies/{boss.companyId}" }
        boss: { service: crm, path: "/bosses/{company.bossId}" }
        bad: { service: crm, path: "/x/{user}" }
      select: { usr: [id] }
      rename: { company: user, nobody: x }
  - match: { path: /c }
    aggregate: { calls: { a: { service: crm, path: /a } } }
    static: { root: . }
`),
    [
      'portico.yaml:15:26 routes[2].aggregate.calls.user.service: expected a service defined under services (did you mean "users"?), found "user"',
      'portico.yaml:15:38 routes[2].aggregate.calls.user.path: expected only params captured by match.path (:userId), found :id',
      'portico.yaml:16:39 routes[2].aggregate.calls.orders.path: expected another call defined under calls (user, company, boss, bad), found {ordrs.x}',
      'portico.yaml:19:36 routes[2].aggregate.calls.bad.path: expected placeholders like {call.field} or :param, found {user}',
      'portico.yaml:17:40 routes[2].aggregate.calls.company.path: expected calls that do not wait for each other in a cycle, found company → boss → company',
      'portico.yaml:20:17 routes[2].aggregate.select.usr: expected a call defined under calls (did you mean "user"?), found unknown call "usr"',
      'portico.yaml:21:32 routes[2].aggregate.rename.nobody: expected a call defined under calls (user, orders, company, boss, bad), found unknown call "nobody"',
      'portico.yaml:21:26 routes[2].aggregate.rename.company: expected a key no other call has, found "user" (also the key of call user)',
      'portico.yaml:22:5 routes[3]: expected exactly one action: service, redirect, respond, static, aggregate, found static and aggregate',
    ],
  )
})
