// Answers built from a stored entry: a cached reply (or a 304 to a client whose validator matches),
// or the upstream's response replaced by the stored one (after a 304, or when serving stale).
import type { Exchange } from '../../exchange/exchange.js'
import { LocalReply } from '../../exchange/local-reply.js'
import type { CacheEntry } from './cache-entry.js'
import { currentAgeMs } from './freshness.js'

/** A fresh entry as a reply (or a 304 when the client's validator matches); undefined if stale. */
export function serveIfUsable(ex: Exchange, entry: CacheEntry, now: number, requestMaxAgeSeconds: number | undefined): LocalReply | undefined {
  const age = currentAgeMs(entry, now)
  if (age >= entry.freshnessMs) return undefined
  if (requestMaxAgeSeconds !== undefined && age > requestMaxAgeSeconds * 1000) return undefined
  return fromEntry(ex, entry, 'HIT', now)
}

export function fromEntry(ex: Exchange, entry: CacheEntry, state: 'HIT' | 'STALE', now: number): LocalReply {
  const headers = [...entry.headers, 'age', String(Math.floor(currentAgeMs(entry, now) / 1000)), 'x-cache', state]
  const ifNoneMatch = ex.request.header('if-none-match')
  if (ifNoneMatch !== undefined && entry.etag !== undefined && matchesEtag(ifNoneMatch, entry.etag)) {
    return LocalReply.withHeaderList(304, onlyNames(headers, NOT_MODIFIED_FIELDS), null)
  }
  return LocalReply.withHeaderList(entry.status, headers, entry.body)
}

/** What a 304 carries (RFC 9110 §15.4.5), plus our own Age and X-Cache. */
const NOT_MODIFIED_FIELDS = new Set(['cache-control', 'content-location', 'date', 'etag', 'expires', 'vary', 'last-modified', 'age', 'x-cache'])

export function onlyNames(flat: readonly string[], names: ReadonlySet<string>): string[] {
  const out: string[] = []
  for (let i = 0; i < flat.length; i += 2) if (names.has(flat[i] as string)) out.push(flat[i] as string, flat[i + 1] as string)
  return out
}

export function replaceResponse(ex: Exchange, entry: CacheEntry, state: 'HIT' | 'STALE', now: number): void {
  const response = ex.response
  if (response === undefined) return
  response.status = entry.status
  response.headers.raw.length = 0
  response.headers.raw.push(...entry.headers, 'age', String(Math.floor(currentAgeMs(entry, now) / 1000)), 'x-cache', state)
  response.body = entry.body
}

export function discardBody(ex: Exchange): void {
  const body = ex.response?.body
  if (body !== null && body !== undefined && typeof body === 'object' && 'resume' in body) body.resume()
}

/** Weak comparison (RFC 9110 §13.1.2): W/"x" matches "x"; `*` matches anything. */
export function matchesEtag(header: string, etag: string): boolean {
  const bare = (tag: string): string => tag.trim().replace(/^W\//, '')
  return header.trim() === '*' || header.split(',').some((candidate) => bare(candidate) === bare(etag))
}
