// Reads and writes entries in the store: decoded entries memoized by buffer, TTLs long enough to
// revalidate or serve stale, and Vary handled as an index at the primary key plus one key per variant.
import type { Exchange } from '../../exchange/exchange.js'
import { HeaderList } from '../../exchange/header-list.js'
import type { PolicyEnv } from '../../pipeline/policy.js'
import { decodeEntry, encodeEntry, type CacheEntry, type VaryIndex } from './cache-entry.js'

/**
 * Decoded entries by stored buffer. The memory store hands back the same Buffer on every hit, so
 * a hot entry's metadata is parsed once, not per request; Redis buffers are new each time.
 */
const decoded = new WeakMap<Buffer, CacheEntry | VaryIndex>()

export async function readEntry(env: PolicyEnv, key: string): Promise<CacheEntry | VaryIndex | undefined> {
  try {
    const raw = await env.store.get(key)
    if (raw === undefined) return undefined
    let entry = decoded.get(raw)
    if (entry === undefined) {
      entry = decodeEntry(raw)
      if (entry !== undefined) decoded.set(raw, entry)
    }
    return entry
  } catch (error) {
    env.log.warn({ err: (error as Error).message }, 'cache store read failed; treating as a miss')
    return undefined
  }
}

export async function writeEntry(env: PolicyEnv, ex: Exchange, primary: string, entry: CacheEntry): Promise<void> {
  const keepMs = entry.freshnessMs + Math.max(entry.staleWhileRevalidateMs, entry.staleIfErrorMs, entry.etag !== undefined || entry.lastModified !== undefined ? entry.freshnessMs : 0)
  if (keepMs <= 0 && entry.etag === undefined && entry.lastModified === undefined) return
  const ttlMs = Math.max(1000, keepMs)
  const vary = varyNames(new HeaderList([...entry.headers]))
  try {
    if (vary.length === 0) {
      await env.store.set(primary, encodeEntry(entry), ttlMs)
      return
    }
    await env.store.set(primary, encodeEntry({ vary }), ttlMs)
    await env.store.set(variantKeyFor(primary, vary, ex), encodeEntry(entry), ttlMs)
  } catch (error) {
    env.log.warn({ err: (error as Error).message }, 'cache store write failed')
  }
}

export function varyNames(headers: HeaderList): string[] {
  return headers
    .getAll('vary')
    .flatMap((value) => value.split(','))
    .map((name) => name.trim().toLowerCase())
    .filter((name) => name !== '')
    .sort()
}

/** The key of the variant selected by the request's values of the Vary fields. */
export function variantKeyFor(primary: string, vary: readonly string[], ex: Exchange): string {
  return `${primary}\u0000${vary.map((name) => `${name}=${varyValue(ex, name).trim().replace(/\s+/g, ' ')}`).join('&')}`
}

/**
 * The value the upstream saw for a Vary field: the request as forwarded (where the gateway set
 * X-Consumer or removed a header), not as the client sent it. Non-proxy routes fall back to the
 * client's request.
 */
function varyValue(ex: Exchange, name: string): string {
  if (ex.route?.action.kind === 'proxy') return ex.upstreamRequest.headers.getAll(name).join(', ')
  return ex.request.header(name) ?? ''
}
