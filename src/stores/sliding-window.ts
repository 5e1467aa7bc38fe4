// The rate-limit algorithm, shared by the memory store and (in Lua) the Redis store: a sliding
// window kept as WINDOW_BUCKETS sub-buckets of counts. A request at `now` counts every bucket
// from the one holding `now - window` to the current one, a superset of the exact window; so a
// limit is NEVER exceeded in any window of that length, and at worst a request is refused up to
// one bucket (window / 20) early. Memory per key and window: at most 21 counters.
import { WINDOW_BUCKETS, type RateDecision, type RateWindow, type WindowState } from './store.js'

/** Bucket index → count for one key and one window. */
export type BucketCounts = Map<number, number>

export function bucketSize(windowMs: number): number {
  return Math.max(1, Math.floor(windowMs / WINDOW_BUCKETS))
}

/**
 * Decides one hit over all windows and records it when allowed (mutating `counts`).
 * `counts[i]` holds the buckets of `windows[i]`; stale buckets are dropped as a side effect.
 */
export function hitWindows(counts: BucketCounts[], windows: readonly RateWindow[], now: number): RateDecision {
  const totals: number[] = []
  let allowed = true
  for (let i = 0; i < windows.length; i++) {
    const window = windows[i] as RateWindow
    const buckets = counts[i] as BucketCounts
    const size = bucketSize(window.windowMs)
    const oldest = Math.floor((now - window.windowMs) / size)
    let total = 0
    for (const [bucket, count] of buckets) {
      if (bucket < oldest) buckets.delete(bucket)
      else total += count
    }
    totals.push(total)
    if (total >= window.limit) allowed = false
  }
  let retryAfterMs = 0
  const states: WindowState[] = []
  for (let i = 0; i < windows.length; i++) {
    const window = windows[i] as RateWindow
    const buckets = counts[i] as BucketCounts
    const size = bucketSize(window.windowMs)
    const current = Math.floor(now / size)
    let total = totals[i] as number
    if (allowed) {
      buckets.set(current, (buckets.get(current) ?? 0) + 1)
      total++
    }
    let first = Infinity
    for (const bucket of buckets.keys()) if (bucket < first) first = bucket
    const expiry = (bucket: number): number => (bucket + 1) * size + window.windowMs - now
    states.push({ remaining: Math.max(0, window.limit - total), resetMs: first === Infinity ? 0 : Math.max(0, expiry(first)) })
    if (!allowed && total >= window.limit) {
      // Refused: walk the buckets oldest first until enough capacity would be freed.
      let freed = 0
      for (const [bucket, count] of [...buckets.entries()].sort((a, b) => a[0] - b[0])) {
        freed += count
        if (total - freed < window.limit) {
          retryAfterMs = Math.max(retryAfterMs, expiry(bucket))
          break
        }
      }
    }
  }
  return { allowed, retryAfterMs, windows: states }
}
