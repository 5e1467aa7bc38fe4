// The memory and Redis stores give the same rate-limit answers for the same traffic, and the
// Redis store's cache operations work against a real Redis (unique key prefix, cleaned up).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { randomUUID } from 'node:crypto'
import { MemoryStore } from '../../src/stores/memory-store.js'
import { RedisStore } from '../../src/stores/redis-store.js'
import { silentLogger } from '../../src/observability/logger.js'

async function redisStore(): Promise<RedisStore> {
  const store = new RedisStore({ url: 'redis://127.0.0.1:6379', prefix: `portico-test:${randomUUID()}:`, log: silentLogger() })
  assert.equal(await store.ready(), true, 'Redis must be running on 127.0.0.1:6379')
  return store
}

test('memory and Redis stores agree decision by decision on the same traffic', async () => {
  const memory = new MemoryStore()
  const redis = await redisStore()
  try {
    const windows = [{ limit: 5, windowMs: 1000 }, { limit: 12, windowMs: 5000 }]
    let now = 1_700_000_000_000
    for (let i = 0; i < 300; i++) {
      now += [0, 3, 17, 60, 250][i % 5] as number
      const key = `client-${i % 3}`
      const [a, b] = await Promise.all([memory.hit(key, windows, now), redis.hit(key, windows, now)])
      assert.deepEqual(b, a, `request ${i} at ${now}`)
    }
  } finally {
    await redis.clear()
    await Promise.all([memory.close(), redis.close()])
  }
})

test('the Redis store uses the server clock when no time is given, and caches with TTL and prefix purge', async () => {
  const redis = await redisStore()
  try {
    const first = await redis.hit('k', [{ limit: 2, windowMs: 60_000 }])
    const second = await redis.hit('k', [{ limit: 2, windowMs: 60_000 }])
    const third = await redis.hit('k', [{ limit: 2, windowMs: 60_000 }])
    assert.deepEqual([first.allowed, second.allowed, third.allowed], [true, true, false])
    assert.ok(third.retryAfterMs > 55_000 && third.retryAfterMs <= 63_000)
    await redis.set('GET:/a', Buffer.from('alpha'), 10_000)
    await redis.set('GET:/a/b', Buffer.from('beta'), 10_000)
    await redis.set('GET:/c', Buffer.from('gamma'), 30)
    assert.equal((await redis.get('GET:/a'))?.toString(), 'alpha')
    assert.equal(await redis.deletePrefix('GET:/a'), 2)
    assert.equal(await redis.get('GET:/a/b'), undefined)
    await new Promise((resolve) => setTimeout(resolve, 60))
    assert.equal(await redis.get('GET:/c'), undefined, 'expired by TTL')
  } finally {
    await redis.clear()
    await redis.close()
  }
})

test('the memory cache is bounded by bytes and evicts the least recently used', async () => {
  const memory = new MemoryStore({ cacheMaxBytes: 100 })
  await memory.set('a', Buffer.alloc(40), 10_000)
  await memory.set('b', Buffer.alloc(40), 10_000)
  await memory.get('a') // a is now more recent than b
  await memory.set('c', Buffer.alloc(40), 10_000)
  assert.equal(await memory.get('b'), undefined)
  assert.ok(await memory.get('a'))
  assert.ok(await memory.get('c'))
  assert.ok(memory.cacheBytes <= 100)
  await memory.close()
})

test('a Redis store that cannot connect fails fast instead of hanging', async () => {
  const redis = new RedisStore({ url: 'redis://127.0.0.1:1', prefix: 'x:', log: silentLogger() })
  assert.equal(await redis.ready(200), false)
  const started = Date.now()
  await assert.rejects(redis.hit('k', [{ limit: 1, windowMs: 1000 }]))
  assert.ok(Date.now() - started < 1000)
  await redis.close()
})
