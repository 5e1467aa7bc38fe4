import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compilePlan, describePlan, type AggregateConfig, type AggregatePlan } from './plan.js'

const SERVICES = ['users', 'orders', 'crm']

function plan(config: Partial<AggregateConfig> & Pick<AggregateConfig, 'calls'>, params: string[] = ['userId']): AggregatePlan {
  const result = compilePlan(config as AggregateConfig, { params, services: SERVICES })
  assert.deepEqual(result.problems, [])
  assert.ok(result.plan)
  return result.plan
}

function problems(config: Partial<AggregateConfig> & Pick<AggregateConfig, 'calls'>, params: string[] = ['userId']): string[] {
  const result = compilePlan(config as AggregateConfig, { params, services: SERVICES })
  assert.equal(result.plan, undefined)
  return result.problems.map((p) => `${p.path.join('.')}${p.keyOf !== undefined ? `[${p.keyOf}]` : ''}: expected ${p.expected}, found ${p.found}`)
}

test('calls are ordered so that each comes after the calls it reads; config order otherwise', () => {
  const compiled = plan({
    calls: {
      company: { service: 'crm', path: '/companies/{user.companyId}' },
      user: { service: 'users', path: '/users/:userId' },
      orders: { service: 'orders', path: '/orders?user=:userId', optional: true, timeout: 2000 },
      invoice: { service: 'crm', path: '/invoices/{company.id}/{orders.0.id}', method: 'POST', forwardHeaders: ['authorization'] },
    },
    timeout: 5000,
  })
  assert.deepEqual(compiled.calls.map((c) => c.name), ['user', 'company', 'orders', 'invoice'])
  assert.deepEqual(compiled.configOrder, [1, 0, 2, 3])
  assert.equal(compiled.timeoutMs, 5000)
  const [user, company, orders, invoice] = compiled.calls
  assert.deepEqual([user?.dependsOn, user?.dependents], [[], [1]])
  assert.deepEqual([company?.dependsOn, company?.dependents], [[0], [3]])
  assert.deepEqual([orders?.optional, orders?.timeoutMs, orders?.dependents], [true, 2000, [3]])
  assert.deepEqual([invoice?.method, invoice?.forwardHeaders, invoice?.dependsOn], ['POST', ['authorization'], [1, 2]])
  assert.equal(user?.method, 'GET')
  assert.equal(user?.maxBodyBytes, 1024 * 1024)
  assert.equal(describePlan(compiled), 'aggregate company, user, orders, invoice (company after user; invoice after company and orders)')
})

test('defaults, select and rename are compiled into the calls', () => {
  const compiled = plan({
    calls: { user: { service: 'users', path: '/u' }, orders: { service: 'orders', path: '/o', maxBodySize: 10 } },
    maxBodySize: 2048,
    select: { user: ['id', 'address.city'] },
    rename: { orders: 'recentOrders' },
  })
  assert.equal(compiled.timeoutMs, 10_000)
  assert.deepEqual(compiled.calls.map((c) => [c.key, c.maxBodyBytes, c.maxDepth, c.select]), [
    ['user', 2048, 256, { id: true, address: { city: true } }],
    ['recentOrders', 10, 256, undefined],
  ])
  const depths = plan({ calls: { user: { service: 'users', path: '/u' }, orders: { service: 'orders', path: '/o', maxDepth: 3 } }, maxDepth: 40 })
  assert.deepEqual(depths.calls.map((c) => c.maxDepth), [40, 3])
  assert.equal(describePlan(compiled), 'aggregate user, orders')
})

test('cycles are reported once each, at the first call of the cycle in config order', () => {
  assert.deepEqual(
    problems({
      calls: {
        a: { service: 'users', path: '/a/{b.id}' },
        b: { service: 'users', path: '/b/{c.id}' },
        c: { service: 'users', path: '/c/{a.id}' },
        d: { service: 'users', path: '/d/{d.id}' },
        e: { service: 'users', path: '/e/{a.id}' },
      },
    }),
    [
      'calls.a.path: expected calls that do not wait for each other in a cycle, found a → b → c → a',
      'calls.d.path: expected calls that do not wait for each other in a cycle, found d → d',
    ],
  )
})

test('unknown services, calls and params, bad placeholders and names are all reported', () => {
  assert.deepEqual(
    problems({
      calls: {
        user: { service: 'user', path: '/users/:id' },
        company: { service: 'crm', path: '/companies/{usr.companyId}/{usr.x}/{nobody.x}' },
        bad: { service: 'crm', path: '/x/{user}' },
        _hidden: { service: 'crm', path: '/h' },
      },
    }),
    [
      'calls.user.service: expected a service defined under services (did you mean "users"?), found "user"',
      'calls.user.path: expected only params captured by match.path (:userId), found :id',
      'calls.company.path: expected another call defined under calls (did you mean "user"?), found {usr.companyId}',
      'calls.company.path: expected another call defined under calls (user, bad, _hidden), found {nobody.x}',
      'calls.bad.path: expected placeholders like {call.field} or :param, found {user}',
      'calls[_hidden]: expected call names starting with a letter (letters, digits, _ and -), found "_hidden"',
    ],
  )
  assert.deepEqual(problems({ calls: { user: { service: 'users', path: '/users/:id' } } }, []), [
    'calls.user.path: expected only params captured by match.path (none), found :id',
  ])
})

test('select and rename may only name calls, and renamed keys must not collide', () => {
  assert.deepEqual(
    problems({
      calls: { user: { service: 'users', path: '/u' }, orders: { service: 'orders', path: '/o' }, crm: { service: 'crm', path: '/c' } },
      select: { usr: ['id'] },
      rename: { order: 'x', user: 'orders', crm: 'orders' },
    }),
    [
      'select[usr]: expected a call defined under calls (did you mean "user"?), found unknown call "usr"',
      'rename[order]: expected a call defined under calls (did you mean "orders"?), found unknown call "order"',
      'rename.user: expected a key no other call has, found "orders" (also the key of call orders)',
      'rename.crm: expected a key no other call has, found "orders" (also the key of call user)',
    ],
  )
  // Swapping two keys is fine: every final key is unique.
  assert.deepEqual(plan({ calls: { a: { service: 'users', path: '/a' }, b: { service: 'users', path: '/b' } }, rename: { a: 'b', b: 'a' } }).calls.map((c) => c.key), ['b', 'a'])
})
