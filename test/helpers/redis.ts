// Test keys in the machine's Redis (127.0.0.1:6379): a unique prefix per test, removed afterwards.
import { randomUUID } from 'node:crypto'
import { Redis } from 'ioredis'

export const REDIS_URL = 'redis://127.0.0.1:6379'

/** A key prefix no other test uses. */
export function testPrefix(): string {
  return `portico-test:${randomUUID()}:`
}

/** Deletes every key under `prefix`. */
export async function clearRedisPrefix(prefix: string): Promise<void> {
  const redis = new Redis(REDIS_URL)
  try {
    const keys = await redis.keys(`${prefix}*`)
    if (keys.length > 0) await redis.del(...keys)
  } finally {
    redis.disconnect()
  }
}
