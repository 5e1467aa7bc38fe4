import { test } from 'node:test'
import assert from 'node:assert/strict'
import { hitWindows, type BucketCounts } from './sliding-window.js'

function limiter(windows: Array<{ limit: number; windowMs: number }>) {
  const counts: BucketCounts[] = windows.map(() => new Map())
  return (now: number) => hitWindows(counts, windows, now)
}

test('admits exactly the limit, refuses the rest, and says when to retry', () => {
  const hit = limiter([{ limit: 3, windowMs: 1000 }])
  assert.deepEqual([hit(0), hit(10), hit(20)].map((d) => d.allowed), [true, true, true])
  const refused = hit(30)
  assert.equal(refused.allowed, false)
  assert.equal(refused.windows[0]?.remaining, 0)
  assert.equal(refused.retryAfterMs, 1020) // bucket 0 (0-49ms) leaves the window at 1050
  assert.equal(hit(1049).allowed, false)
  assert.equal(hit(1050).allowed, true)
})

test('refused requests consume nothing, so a client that backs off recovers', () => {
  const hit = limiter([{ limit: 2, windowMs: 1000 }])
  hit(0)
  hit(0)
  for (let t = 100; t < 1000; t += 100) assert.equal(hit(t).allowed, false)
  assert.equal(hit(1050).allowed, true)
  assert.equal(hit(1050).allowed, true)
})

test('never more than the limit in any window of that length (randomised traffic)', () => {
  const windowMs = 1000
  const limit = 7
  const hit = limiter([{ limit, windowMs }])
  const admitted: number[] = []
  let now = 0
  for (let i = 0; i < 5000; i++) {
    now += Math.floor(Math.random() * 40)
    if (hit(now).allowed) admitted.push(now)
  }
  for (let i = 0; i < admitted.length; i++) {
    let j = i
    while (j < admitted.length && (admitted[j] as number) - (admitted[i] as number) < windowMs) j++
    assert.ok(j - i <= limit, `${j - i} admitted within ${windowMs} ms from ${admitted[i]}`)
  }
  // and it is not much stricter than exact: at least 90% of the ideal throughput.
  assert.ok(admitted.length >= 0.9 * limit * (now / windowMs), `admitted ${admitted.length}`)
})

test('several windows are checked together; a request refused by one is counted in none', () => {
  const hit = limiter([{ limit: 2, windowMs: 1000 }, { limit: 3, windowMs: 10_000 }])
  assert.ok(hit(0).allowed)
  assert.ok(hit(1).allowed)
  const third = hit(2)
  assert.equal(third.allowed, false)
  assert.ok(hit(1100).allowed)
  const d = hit(1200)
  assert.equal(d.allowed, false)
  assert.equal(d.windows[1]?.remaining, 0)
  assert.ok(d.retryAfterMs > 8000, 'the hourly-style window decides the wait')
})
