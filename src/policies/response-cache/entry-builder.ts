// Builds a cache entry from a response (its freshness, age inputs, stale allowances and
// validators), and refreshes one from a 304 (RFC 9111 §4.3.4).
import { HeaderList } from '../../exchange/header-list.js'
import { storableHeaders, type CacheEntry } from './cache-entry.js'
import { freshnessLifetimeMs, parseCacheControl, stalePermissions } from './freshness.js'

export function buildEntry(status: number, headers: HeaderList, body: Buffer, requestTime: number, responseTime: number, heuristicMs: number, defaults: { whileRevalidateMs: number; ifErrorMs: number }): CacheEntry {
  const cc = parseCacheControl(headers.get('cache-control'))
  const stale = stalePermissions(cc, defaults)
  const date = Date.parse(headers.get('date') ?? '')
  return {
    status,
    headers: headers.raw,
    requestTime,
    responseTime,
    dateValue: Number.isNaN(date) ? responseTime : date,
    ageValue: Number(headers.get('age') ?? 0) * 1000 || 0,
    freshnessMs: freshnessLifetimeMs(cc, headers, heuristicMs, status),
    staleWhileRevalidateMs: stale.whileRevalidateMs,
    staleIfErrorMs: stale.ifErrorMs,
    etag: headers.get('etag'),
    lastModified: headers.get('last-modified'),
    body,
  }
}

/** A 304 refreshes the stored entry: its header fields replace the stored ones (RFC 9111 §4.3.4). */
export function freshen(entry: CacheEntry, notModified: HeaderList, requestTime: number, now: number, heuristicMs: number, defaults: { whileRevalidateMs: number; ifErrorMs: number }): CacheEntry {
  const merged = new HeaderList([...entry.headers])
  const updates = storableHeaders(notModified)
  for (let i = 0; i < updates.length; i += 2) {
    const name = updates[i] as string
    if (name === 'content-length' || name === 'via') continue
    merged.set(name, updates[i + 1] as string)
  }
  return buildEntry(entry.status, merged, entry.body, requestTime, now, heuristicMs, defaults)
}
