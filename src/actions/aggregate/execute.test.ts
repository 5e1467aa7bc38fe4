import { test } from 'node:test'
import assert from 'node:assert/strict'
import { executePlan, failureOf, type CallResult } from './execute.js'
import { compilePlan, type AggregateConfig, type AggregatePlan, type PlannedCall } from './plan.js'

function plan(calls: AggregateConfig['calls'], timeout?: number): AggregatePlan {
  const result = compilePlan({ calls, ...(timeout !== undefined ? { timeout } : {}) } as AggregateConfig, { params: ['id'], services: ['s'] })
  assert.ok(result.plan, JSON.stringify(result.problems))
  return result.plan
}

interface Script {
  /** Answer (or failure) per call name, after `delay` ms. */
  readonly answers: Record<string, { value?: unknown; failure?: CallResult; delay?: number }>
}

/** A runner that answers from a script and records what happened, like a set of upstreams would. */
function scripted(script: Script) {
  const started: Array<{ name: string; path: string; at: number }> = []
  const aborted: string[] = []
  const t0 = Date.now()
  const run = (call: PlannedCall, path: string, signal: AbortSignal): Promise<CallResult> => {
    started.push({ name: call.name, path, at: Date.now() - t0 })
    const answer = script.answers[call.name] ?? {}
    return new Promise((resolve) => {
      const onAbort = (): void => {
        clearTimeout(timer)
        aborted.push(call.name)
        resolve({ ok: false, failure: failureOf('ERR_UPSTREAM_RESET') })
      }
      const timer = setTimeout(() => {
        signal.removeEventListener('abort', onAbort)
        resolve(answer.failure ?? { ok: true, value: answer.value })
      }, answer.delay ?? 0)
      signal.addEventListener('abort', onAbort, { once: true })
    })
  }
  return { run, started, aborted }
}

const callTimeoutMs = (): number => 30_000

test('independent calls start together; a dependent starts once its dependency answered, with its field', async () => {
  const p = plan({
    user: { service: 's', path: '/users/:id' },
    orders: { service: 's', path: '/orders' },
    company: { service: 's', path: '/companies/{user.companyId}' },
  })
  const runner = scripted({ answers: { user: { value: { companyId: 'c 1' }, delay: 30 }, orders: { value: [1], delay: 80 }, company: { value: { n: 1 } } } })
  const result = await executePlan({ plan: p, params: { id: '7' }, run: runner.run, callTimeoutMs })
  assert.deepEqual(runner.started.map((s) => [s.name, s.path]), [['user', '/users/7'], ['orders', '/orders'], ['company', '/companies/c%201']])
  const company = runner.started[2]
  assert.ok(company !== undefined && company.at >= 25 && company.at < 75, `company started at ${company?.at} ms, right after user, not after orders`)
  assert.equal(result.fatal, undefined)
  assert.deepEqual(result.values, [{ companyId: 'c 1' }, [1], { n: 1 }])
})

test('a failed optional call fails its dependents as "dependency failed" without running them', async () => {
  const p = plan({
    user: { service: 's', path: '/u', optional: true },
    company: { service: 's', path: '/c/{user.companyId}', optional: true },
    boss: { service: 's', path: '/b/{company.bossId}', optional: true },
    other: { service: 's', path: '/o' },
  })
  const runner = scripted({ answers: { user: { failure: { ok: false, failure: failureOf('ERR_UPSTREAM_TIMEOUT') } }, other: { value: 1 } } })
  const result = await executePlan({ plan: p, params: {}, run: runner.run, callTimeoutMs })
  assert.deepEqual(runner.started.map((s) => s.name), ['user', 'other'])
  assert.equal(result.fatal, undefined)
  const [user, company, boss] = result.failures
  assert.equal(user?.code, 'ERR_UPSTREAM_TIMEOUT')
  assert.deepEqual([company?.status, company?.code, company?.dependency], [424, 'ERR_DEPENDENCY_FAILED', 'user'])
  assert.deepEqual([boss?.code, boss?.dependency], ['ERR_DEPENDENCY_FAILED', 'company'])
  assert.equal(result.values[3], 1)
})

test('a failed field fails the dependent call, not the run when it is optional', async () => {
  const p = plan({ user: { service: 's', path: '/u' }, company: { service: 's', path: '/c/{user.companyId}', optional: true } })
  const runner = scripted({ answers: { user: { value: { name: 'no company' } } } })
  const result = await executePlan({ plan: p, params: {}, run: runner.run, callTimeoutMs })
  assert.deepEqual(runner.started.map((s) => s.name), ['user'])
  assert.equal(result.failures[1]?.code, 'ERR_AGGREGATE_FIELD')
  assert.equal(result.failures[1]?.message, 'The path of company cannot be built: {user.companyId} is missing')
})

test('a failed required call ends the run at once and aborts the calls in flight; dependents never start', async () => {
  const p = plan({
    user: { service: 's', path: '/u' },
    slow: { service: 's', path: '/slow' },
    company: { service: 's', path: '/c/{user.id}' },
  })
  const runner = scripted({ answers: { user: { failure: { ok: false, failure: failureOf('ERR_UPSTREAM_CONNECT') }, delay: 10 }, slow: { value: 1, delay: 5000 } } })
  const started = Date.now()
  const result = await executePlan({ plan: p, params: {}, run: runner.run, callTimeoutMs })
  assert.ok(Date.now() - started < 1000)
  assert.equal(result.fatal?.call.name, 'user')
  assert.equal(result.fatal?.failure.code, 'ERR_UPSTREAM_CONNECT')
  assert.deepEqual(runner.aborted, ['slow'])
  assert.deepEqual(runner.started.map((s) => s.name), ['user', 'slow'])
})

test('a required call that needs a failed optional one fails the run with the root cause', async () => {
  const p = plan({ user: { service: 's', path: '/u', optional: true }, company: { service: 's', path: '/c/{user.id}' } })
  const runner = scripted({ answers: { user: { failure: { ok: false, failure: failureOf('ERR_UPSTREAM_TIMEOUT') } } } })
  const result = await executePlan({ plan: p, params: {}, run: runner.run, callTimeoutMs })
  assert.equal(result.fatal?.call.name, 'company')
  assert.deepEqual([result.fatal?.failure.status, result.fatal?.failure.code], [504, 'ERR_UPSTREAM_TIMEOUT'])
  assert.equal(result.fatal?.failure.message, 'It needs user, which failed: The upstream service did not answer in time')
})

test('each call gets the earlier of its own deadline and the aggregate deadline', async () => {
  const p = plan({ a: { service: 's', path: '/a', timeout: 50 }, b: { service: 's', path: '/b' }, c: { service: 's', path: '/c' } }, 200)
  const deadlines: Record<string, number> = {}
  const now = 1_000_000
  const result = await executePlan({
    plan: p,
    params: {},
    now: () => now,
    callTimeoutMs: (call) => (call.name === 'b' ? 100 : 30_000),
    run: (call, _path, _signal, deadline) => {
      deadlines[call.name] = deadline - now
      return Promise.resolve({ ok: true, value: null })
    },
  })
  assert.deepEqual(deadlines, { a: 50, b: 100, c: 200 })
  assert.equal(result.fatal, undefined)
})

test('cancelling from outside ends the run as aborted and aborts the calls', async () => {
  const p = plan({ a: { service: 's', path: '/a' } })
  const runner = scripted({ answers: { a: { value: 1, delay: 5000 } } })
  const outside = new AbortController()
  const running = executePlan({ plan: p, params: {}, run: runner.run, callTimeoutMs, signal: outside.signal })
  setTimeout(() => outside.abort(new Error('client left')), 10)
  const result = await running
  assert.equal(result.aborted, true)
  assert.deepEqual(runner.aborted, ['a'])
})

test('a runner that rejects is an internal failure of that call', async () => {
  const p = plan({ a: { service: 's', path: '/a', optional: true } })
  const result = await executePlan({ plan: p, params: {}, callTimeoutMs, run: () => Promise.reject(new Error('boom')) })
  assert.deepEqual([result.failures[0]?.status, result.failures[0]?.code], [500, 'ERR_INTERNAL'])
})
