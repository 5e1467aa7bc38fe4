import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { ServiceView } from './admin-backend.js'
import { mergeServiceViews } from './views.js'
import { parsePurgeRequest } from './handlers/cache.js'
import { AdminError } from './admin-reply.js'

const target = (url: string, healthy: boolean, ejected: boolean, inflight: number) => ({ url, weight: 1, healthy, ejected, inflight })

test('merging workers’ service views: healthy only if all agree, ejected if any, in-flight summed, worst breaker', () => {
  const one: ServiceView[] = [
    { name: 'a', algorithm: 'round-robin', breaker: 'closed', targets: [target('http://x:1', true, false, 2), target('http://y:1', true, false, 0)] },
    { name: 'b', algorithm: 'random', breaker: null, targets: [target('http://z:1', true, false, 1)] },
  ]
  const two: ServiceView[] = [
    { name: 'a', algorithm: 'round-robin', breaker: 'open', targets: [target('http://x:1', false, false, 1), target('http://y:1', true, true, 3)] },
    { name: 'b', algorithm: 'random', breaker: null, targets: [target('http://z:1', true, false, 4)] },
  ]
  assert.deepEqual(mergeServiceViews([one, two]), [
    { name: 'a', algorithm: 'round-robin', breaker: 'open', targets: [target('http://x:1', false, false, 3), target('http://y:1', true, true, 3)] },
    { name: 'b', algorithm: 'random', breaker: null, targets: [target('http://z:1', true, false, 5)] },
  ])
  assert.deepEqual(mergeServiceViews([one]), one)
  assert.deepEqual(mergeServiceViews([]), [])
})

test('purge requests: exactly one of key or prefix, a non-empty string', () => {
  assert.deepEqual(parsePurgeRequest('{"key":"GET https://a/b"}'), { key: 'GET https://a/b' })
  assert.deepEqual(parsePurgeRequest('{"prefix":"GET https://a/"}'), { prefix: 'GET https://a/' })
  for (const body of ['', 'null', '[]', '{}', '{"key":""}', '{"key":1}', '{"key":"a","prefix":"b"}', '{"other":"x"}']) {
    assert.throws(() => parsePurgeRequest(body), (error: unknown) => error instanceof AdminError && error.status === 400, body)
  }
})
