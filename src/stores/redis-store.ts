// The store shared by replicas: Redis via ioredis. A rate-limit check is one round trip (a Lua
// script, atomic, using the Redis server's clock so replicas with skewed clocks agree). Commands
// fail fast while Redis is unreachable (no offline queue, a short timeout), so a caller can
// fail open or closed instead of hanging; the client reconnects by itself.
import { Redis } from 'ioredis'
import type { Logger } from '../observability/logger.js'
import { WINDOW_BUCKETS, type RateDecision, type RateWindow, type Store } from './store.js'

// Mirrors sliding-window.ts: same buckets, same answers. ARGV: now (0 = Redis TIME), buckets,
// then limit and window per key. Returns allowed, retryAfter, then remaining and reset per window.
const RATE_LIMIT_SCRIPT = `
local now = tonumber(ARGV[1])
if now == 0 then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
local buckets = tonumber(ARGV[2])
local state = {}
local allowed = 1
for i = 1, #KEYS do
  local limit = tonumber(ARGV[1 + 2 * i])
  local window = tonumber(ARGV[2 + 2 * i])
  local size = math.max(1, math.floor(window / buckets))
  local oldest = math.floor((now - window) / size)
  local fields = redis.call('HGETALL', KEYS[i])
  local total, list, stale = 0, {}, {}
  for j = 1, #fields, 2 do
    local b = tonumber(fields[j])
    local c = tonumber(fields[j + 1])
    if b < oldest then stale[#stale + 1] = fields[j] else total = total + c; list[#list + 1] = { b, c } end
  end
  if #stale > 0 then redis.call('HDEL', KEYS[i], unpack(stale)) end
  state[i] = { total = total, list = list, limit = limit, window = window, size = size }
  if total >= limit then allowed = 0 end
end
local out = { allowed, 0 }
local retry = 0
for i = 1, #KEYS do
  local s = state[i]
  local current = math.floor(now / s.size)
  if allowed == 1 then
    redis.call('HINCRBY', KEYS[i], current, 1)
    redis.call('PEXPIRE', KEYS[i], s.window + s.size)
    s.total = s.total + 1
    local found = false
    for _, e in ipairs(s.list) do if e[1] == current then e[2] = e[2] + 1; found = true end end
    if not found then s.list[#s.list + 1] = { current, 1 } end
  end
  table.sort(s.list, function(a, b) return a[1] < b[1] end)
  local reset = 0
  if #s.list > 0 then reset = math.max(0, (s.list[1][1] + 1) * s.size + s.window - now) end
  local remaining = s.limit - s.total
  if remaining < 0 then remaining = 0 end
  out[#out + 1] = remaining
  out[#out + 1] = reset
  if allowed == 0 and s.total >= s.limit then
    local freed = 0
    for _, e in ipairs(s.list) do
      freed = freed + e[2]
      if s.total - freed < s.limit then
        retry = math.max(retry, (e[1] + 1) * s.size + s.window - now)
        break
      end
    end
  end
end
out[2] = retry
return out
`

type RedisWithScript = Redis & {
  porticoRateLimit(numberOfKeys: number, ...args: Array<string | number>): Promise<number[]>
}

export interface RedisStoreOptions {
  readonly url: string
  /** Prepended to every key, so several gateways (or tests) can share one Redis. */
  readonly prefix: string
  /** A command slower than this fails (default 500 ms). */
  readonly commandTimeoutMs?: number
  readonly log: Logger
}

export class RedisStore implements Store {
  readonly kind = 'redis'
  readonly #redis: RedisWithScript
  readonly #prefix: string
  #lastErrorLog = 0

  constructor(options: RedisStoreOptions) {
    this.#prefix = options.prefix
    this.#redis = new Redis(options.url, {
      enableOfflineQueue: false,
      maxRetriesPerRequest: 0,
      commandTimeout: options.commandTimeoutMs ?? 500,
      connectTimeout: 2000,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      lazyConnect: false,
    }) as RedisWithScript
    this.#redis.defineCommand('porticoRateLimit', { lua: RATE_LIMIT_SCRIPT })
    this.#redis.on('error', (error: Error) => {
      // ioredis emits an error on every failed reconnect; one warning per 10 s is enough.
      const now = Date.now()
      if (now - this.#lastErrorLog > 10_000) {
        this.#lastErrorLog = now
        options.log.warn({ err: error.message }, 'Redis store unavailable; retrying')
      }
    })
    this.#redis.on('ready', () => options.log.info('Redis store connected'))
  }

  /**
   * Waits (at most `timeoutMs`) for the first connection. Never throws: a gateway starts even
   * while Redis is down, and rate limits then fail open or closed as configured.
   */
  async ready(timeoutMs = 2000): Promise<boolean> {
    if (this.#redis.status === 'ready') return true
    return new Promise((resolve) => {
      const timer = setTimeout(() => done(false), timeoutMs)
      const done = (ok: boolean): void => {
        clearTimeout(timer)
        this.#redis.off('ready', onReady)
        resolve(ok)
      }
      const onReady = (): void => done(true)
      this.#redis.once('ready', onReady)
    })
  }

  async hit(key: string, windows: readonly RateWindow[], now = 0): Promise<RateDecision> {
    // One hash per window, numbered, so two windows of the same length never share counters.
    const keys = windows.map((w, i) => `${this.#prefix}rl:${key}:${i}:${w.windowMs}`)
    const args: Array<string | number> = [now, WINDOW_BUCKETS]
    for (const window of windows) args.push(window.limit, window.windowMs)
    const out = await this.#redis.porticoRateLimit(keys.length, ...keys, ...args)
    const states = windows.map((_, i) => ({ remaining: Number(out[2 + 2 * i]), resetMs: Number(out[3 + 2 * i]) }))
    return { allowed: Number(out[0]) === 1, retryAfterMs: Number(out[1]), windows: states }
  }

  async get(key: string): Promise<Buffer | undefined> {
    return (await this.#redis.getBuffer(`${this.#prefix}c:${key}`)) ?? undefined
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    await this.#redis.set(`${this.#prefix}c:${key}`, value, 'PX', Math.max(1, Math.ceil(ttlMs)))
  }

  async delete(key: string): Promise<void> {
    await this.#redis.del(`${this.#prefix}c:${key}`)
  }

  async deletePrefix(prefix: string): Promise<number> {
    let removed = 0
    let cursor = '0'
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${escapeGlob(`${this.#prefix}c:${prefix}`)}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) removed += await this.#redis.del(...keys)
    } while (cursor !== '0')
    return removed
  }

  /** Deletes every key under this store's prefix (tests clean up with it). */
  async clear(): Promise<void> {
    let cursor = '0'
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', `${escapeGlob(this.#prefix)}*`, 'COUNT', 500)
      cursor = next
      if (keys.length > 0) await this.#redis.del(...keys)
    } while (cursor !== '0')
  }

  async close(): Promise<void> {
    this.#redis.disconnect()
  }
}

function escapeGlob(text: string): string {
  return text.replace(/[*?[\]\\]/g, '\\$&')
}
