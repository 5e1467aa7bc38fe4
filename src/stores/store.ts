// The shared-state interface: what rate limiting and response caching keep, and where. The memory
// store serves one instance; the Redis store makes replicas agree. Both give the same answers.

/** One rate limit: at most `limit` requests in any sliding window of `windowMs`. */
export interface RateWindow {
  readonly limit: number
  readonly windowMs: number
}

export interface WindowState {
  /** Requests still allowed in this window after this one. */
  readonly remaining: number
  /** Milliseconds until the oldest counted request leaves the window (capacity returns). */
  readonly resetMs: number
}

export interface RateDecision {
  readonly allowed: boolean
  /** When refused: milliseconds until every exceeded window admits one more request. */
  readonly retryAfterMs: number
  readonly windows: readonly WindowState[]
}

export interface RateLimitStore {
  /**
   * Atomically checks every window for `key` and, only if all admit it, counts the request in
   * all of them (a refused request consumes nothing). `now` is for tests; stores use their own
   * clock (Redis: the server's, so replicas with skewed clocks agree).
   */
  hit(key: string, windows: readonly RateWindow[], now?: number): Promise<RateDecision>
}

export interface CacheStore {
  get(key: string): Promise<Buffer | undefined>
  set(key: string, value: Buffer, ttlMs: number): Promise<void>
  delete(key: string): Promise<void>
  /** Removes every entry whose key starts with `prefix`; returns how many. */
  deletePrefix(prefix: string): Promise<number>
}

export interface Store extends RateLimitStore, CacheStore {
  readonly kind: 'memory' | 'redis'
  close(): Promise<void>
}

/** Sub-buckets per window: counts are exact per bucket, so early refusal is bounded by 1/BUCKETS. */
export const WINDOW_BUCKETS = 20
