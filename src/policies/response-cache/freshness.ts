// RFC 9111 decisions for a shared cache: may a response be stored (§3, §3.5), how long is it
// fresh (§4.2.1), how old is it (§4.2.3), and may it be served stale (RFC 5861).
import type { HeaderList } from '../../exchange/header-list.js'
import { parseCacheControl, type Directives } from './cache-control.js'

/** Statuses cacheable by default (RFC 9110 §15.1), i.e. with heuristic freshness. */
const HEURISTIC_STATUSES = new Set([200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501])
/** Statuses this cache understands well enough to store at all. */
const UNDERSTOOD_STATUSES = new Set([...HEURISTIC_STATUSES, 302, 307])

export interface StoreDecision {
  readonly storable: boolean
  /** Why not, for logs (`no-store`, `private`, ...). */
  readonly reason: string
}

export function isStorable(status: number, response: Directives, headers: HeaderList, requestDirectives: Directives, hasAuthorization: boolean, heuristicTtlMs: number): StoreDecision {
  if (requestDirectives.has('no-store')) return { storable: false, reason: 'request no-store' }
  if (!UNDERSTOOD_STATUSES.has(status)) return { storable: false, reason: `status ${status}` }
  if (response.has('no-store')) return { storable: false, reason: 'no-store' }
  if (response.has('private')) return { storable: false, reason: 'private' }
  if (headers.get('vary')?.trim() === '*') return { storable: false, reason: 'Vary: *' }
  if (headers.has('set-cookie')) return { storable: false, reason: 'Set-Cookie' }
  // §3.5: a shared cache stores a response to an authenticated request only when told it may.
  if (hasAuthorization && !response.has('public') && !response.has('must-revalidate') && response.seconds('s-maxage') === undefined) {
    return { storable: false, reason: 'Authorization without public/s-maxage/must-revalidate' }
  }
  const explicit = response.has('public') || response.seconds('s-maxage') !== undefined || response.seconds('max-age') !== undefined || headers.has('expires')
  if (!explicit && !(HEURISTIC_STATUSES.has(status) && heuristicTtlMs > 0)) return { storable: false, reason: 'no freshness information' }
  return { storable: true, reason: '' }
}

/** Freshness lifetime in ms: s-maxage, max-age, Expires − Date, else the configured default. */
export function freshnessLifetimeMs(response: Directives, headers: HeaderList, heuristicTtlMs: number, status: number): number {
  if (response.has('no-cache')) return 0
  const sMaxAge = response.seconds('s-maxage')
  if (sMaxAge !== undefined) return sMaxAge * 1000
  const maxAge = response.seconds('max-age')
  if (maxAge !== undefined) return maxAge * 1000
  const expires = headers.get('expires')
  if (expires !== undefined) {
    const expiresAt = Date.parse(expires)
    const date = Date.parse(headers.get('date') ?? '')
    // An invalid Expires (e.g. "0") means already expired (§5.3).
    if (Number.isNaN(expiresAt)) return 0
    return Math.max(0, expiresAt - (Number.isNaN(date) ? Date.now() : date))
  }
  return HEURISTIC_STATUSES.has(status) ? heuristicTtlMs : 0
}

/** The stored response's age at `now` (§4.2.3), in ms. */
export function currentAgeMs(entry: { readonly requestTime: number; readonly responseTime: number; readonly dateValue: number; readonly ageValue: number }, now: number): number {
  const apparentAge = Math.max(0, entry.responseTime - entry.dateValue)
  const responseDelay = entry.responseTime - entry.requestTime
  const correctedAgeValue = entry.ageValue + responseDelay
  const correctedInitialAge = Math.max(apparentAge, correctedAgeValue)
  return correctedInitialAge + (now - entry.responseTime)
}

export interface StalePermissions {
  /** stale-while-revalidate window in ms (0: none). */
  readonly whileRevalidateMs: number
  /** stale-if-error window in ms (0: none). */
  readonly ifErrorMs: number
}

/** How stale a response may be served; must-revalidate / proxy-revalidate / no-cache forbid it. */
export function stalePermissions(response: Directives, defaults: StalePermissions): StalePermissions {
  // s-maxage implies proxy-revalidate for a shared cache (RFC 9111 §5.2.2.10).
  if (response.has('must-revalidate') || response.has('proxy-revalidate') || response.has('no-cache') || response.seconds('s-maxage') !== undefined) {
    return { whileRevalidateMs: 0, ifErrorMs: 0 }
  }
  return {
    whileRevalidateMs: (response.seconds('stale-while-revalidate') ?? defaults.whileRevalidateMs / 1000) * 1000,
    ifErrorMs: (response.seconds('stale-if-error') ?? defaults.ifErrorMs / 1000) * 1000,
  }
}

export { parseCacheControl }
