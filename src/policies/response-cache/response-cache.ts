// `cache`: an RFC 9111 shared cache in front of a route. Fresh entries are answered at the gateway
// (X-Cache: HIT, with Age); stale ones are revalidated with If-None-Match / If-Modified-Since, or
// served while a background refresh runs (stale-while-revalidate) or while the upstream fails
// (stale-if-error). Unsafe methods invalidate the URI. A burst of misses for one key makes one
// upstream request. Bodies above maxObjectSize stream through uncached; the store may be Redis.
import { consumerKey } from '../../exchange/consumer.js'
import type { Exchange } from '../../exchange/exchange.js'
import { stateKey } from '../../exchange/exchange-state.js'
import { HeaderList } from '../../exchange/header-list.js'
import { definePolicy } from '../../pipeline/policy.js'
import { storableHeaders, type CacheEntry } from './cache-entry.js'
import { discardBody, fromEntry, replaceResponse, serveIfUsable } from './cache-replies.js'
import { CollectingTee } from './collecting-tee.js'
import { buildEntry, freshen } from './entry-builder.js'
import { readEntry, variantKeyFor, writeEntry } from './entry-storage.js'
import { currentAgeMs, isStorable, parseCacheControl } from './freshness.js'
import { ResponseCacheOptions } from './options.js'

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE'])

interface CacheContext {
  readonly key: string
  /** The stored entry found (stale), when there was one. */
  readonly entry: CacheEntry | undefined
  /** We added validators to the upstream request (a 304 then refreshes the entry). */
  readonly revalidating: boolean
  readonly requestTime: number
  /** Resolves the waiters of a coalesced miss (set when this exchange leads). */
  settle: (() => void) | undefined
}

const contextKey = stateKey<CacheContext>('cache')
const invalidateKey = stateKey<string>('cache.invalidate')

export const responseCache = definePolicy({
  name: 'cache',
  stage: 'cache',
  options: ResponseCacheOptions,
  create(options, env) {
    const heuristicMs = options.ttl ?? 0
    const maxBytes = options.maxObjectSize ?? 1024 * 1024
    const defaults = { whileRevalidateMs: options.staleWhileRevalidate ?? 0, ifErrorMs: options.staleIfError ?? 0 }
    const coalesce = options.coalesce !== false
    const keysByConsumer = (options.keyBy ?? []).includes('consumer')
    const keyParts = (options.keyBy ?? []).map((spec) =>
      spec === 'consumer' ? (ex: Exchange) => `c=${ex.state.get(consumerKey)?.name ?? ''}` : (ex: Exchange) => `${spec.slice(7)}=${ex.request.header(spec.slice(7).toLowerCase()) ?? ''}`,
    )
    /** Misses in flight, by key: followers wait for the leader's entry instead of calling upstream. */
    const inflight = new Map<string, Promise<void>>()
    /** Keys being refreshed in the background (one refresh per key at a time). */
    const refreshing = new Set<string>()

    const primaryKey = (ex: Exchange): string => {
      let key = uriKey(ex)
      for (const part of keyParts) key += `|${part(ex)}`
      return key
    }

    const lookup = async (ex: Exchange, key: string): Promise<{ entry: CacheEntry | undefined; storeKey: string }> => {
      const found = await readEntry(env, key)
      if (found === undefined || 'body' in found) return { entry: found, storeKey: key }
      const variantKey = variantKeyFor(key, found.vary, ex)
      const variant = await readEntry(env, variantKey)
      return { entry: variant !== undefined && 'body' in variant ? variant : undefined, storeKey: variantKey }
    }

    return {
      async onRequest(ex) {
        const method = ex.request.method
        if (method !== 'GET' && method !== 'HEAD') {
          if (UNSAFE.has(method)) ex.state.set(invalidateKey, uriKey(ex))
          return undefined
        }
        const requestCc = parseCacheControl(ex.request.header('cache-control'))
        if (requestCc.has('no-store')) return undefined
        // `no-cache` (or HTTP/1.0 `Pragma: no-cache`) and a request `max-age` the entry exceeds
        // (a browser reload sends max-age=0) both ask for revalidation, never a stale answer.
        const requestMaxAge = requestCc.seconds('max-age')
        const noCache = requestCc.has('no-cache') || (ex.request.header('cache-control') === undefined && ex.request.header('pragma') === 'no-cache')
        const key = primaryKey(ex)
        let { entry } = await lookup(ex, key)
        const now = env.now()
        if (entry !== undefined && !noCache) {
          const served = serveIfUsable(ex, entry, now, requestMaxAge)
          if (served !== undefined) return served
          const staleMs = currentAgeMs(entry, now) - entry.freshnessMs
          if (requestMaxAge === undefined && staleMs > 0 && staleMs <= entry.staleWhileRevalidateMs && ex.route?.action.fetchDetached !== undefined) {
            refreshInBackground(ex, key, entry)
            return fromEntry(ex, entry, 'STALE', now)
          }
        }
        if (coalesce && !noCache) {
          const leader = inflight.get(key)
          if (leader !== undefined) {
            // Wait for the leader's answer, but never longer than COALESCE_WAIT_MS: a leader
            // whose upstream is slow must not hold its followers past that.
            await Promise.race([leader, delay(COALESCE_WAIT_MS)])
            if (ex.finished) return undefined
            entry = (await lookup(ex, key)).entry
            const served = entry === undefined ? undefined : serveIfUsable(ex, entry, env.now(), requestCc.seconds('max-age'))
            if (served !== undefined) return served
          }
        }
        const context: CacheContext = { key, entry, revalidating: false, requestTime: now, settle: undefined }
        if (coalesce && !inflight.has(key) && !ex.finished) context.settle = lead(inflight, key)
        const hasOwnConditionals = ex.request.header('if-none-match') !== undefined || ex.request.header('if-modified-since') !== undefined
        if (entry !== undefined && !hasOwnConditionals && (entry.etag !== undefined || entry.lastModified !== undefined)) {
          const headers = ex.upstreamRequest.headers
          if (entry.etag !== undefined) headers.set('if-none-match', entry.etag)
          if (entry.lastModified !== undefined) headers.set('if-modified-since', entry.lastModified)
          ex.state.set(contextKey, { ...context, revalidating: true })
        } else {
          ex.state.set(contextKey, context)
        }
        return undefined
      },

      async onResponse(ex) {
        const response = ex.response
        if (response === undefined) return
        const invalidate = ex.state.get(invalidateKey)
        if (invalidate !== undefined) {
          // RFC 9111 §4.4: every stored response for the URI goes, whoever it was keyed for
          // (key additions follow "|", Vary variants follow "\u0000").
          if (response.status < 400) {
            await Promise.all([env.store.delete(invalidate), env.store.deletePrefix(`${invalidate}|`), env.store.deletePrefix(`${invalidate}\u0000`)]).catch((error: Error) =>
              env.log.warn({ err: error.message }, 'cache invalidation failed'),
            )
          }
          return
        }
        const context = ex.state.get(contextKey)
        if (context === undefined) {
          if (ex.request.method === 'GET' || ex.request.method === 'HEAD') response.headers.set('x-cache', 'BYPASS')
          return
        }
        const now = env.now()
        const entry = context.entry
        // We sent only the entry's own validators (the client sent none), so this 304 is about it.
        if (entry !== undefined && context.revalidating && response.status === 304) {
          discardBody(ex)
          const refreshed = freshen(entry, response.headers, context.requestTime, now, heuristicMs, defaults)
          await writeEntry(env, ex, context.key, refreshed).finally(() => context.settle?.())
          replaceResponse(ex, refreshed, 'HIT', now)
          return
        }
        if (entry !== undefined && response.status >= 500 && currentAgeMs(entry, now) - entry.freshnessMs <= entry.staleIfErrorMs) {
          discardBody(ex)
          context.settle?.()
          replaceResponse(ex, entry, 'STALE', now)
          return
        }
        response.headers.set('x-cache', 'MISS')
        if (ex.request.method === 'HEAD') {
          // A HEAD answer has no body: it must not become the stored GET response.
          context.settle?.()
          return
        }
        const responseCc = parseCacheControl(response.headers.get('cache-control'))
        // A request made for an identified consumer counts as authenticated (RFC 9111 §3.5) unless
        // the key already separates consumers: one caller's answer is never served to another.
        const authenticated = ex.request.header('authorization') !== undefined || (ex.state.get(consumerKey) !== undefined && !keysByConsumer)
        const decision = response.source === 'upstream' ? isStorable(response.status, responseCc, response.headers, parseCacheControl(ex.request.header('cache-control')), authenticated, heuristicMs) : { storable: false, reason: 'not from the upstream' }
        const body = response.body
        if (!decision.storable || body === null || typeof body === 'string' || Buffer.isBuffer(body)) {
          context.settle?.()
          return
        }
        const declared = Number(response.headers.get('content-length') ?? Number.NaN)
        if (declared > maxBytes) {
          context.settle?.()
          return
        }
        const headersAtStore = storableHeaders(response.headers)
        const status = response.status
        const tee = new CollectingTee(maxBytes, (collected) => {
          if (collected === undefined) return context.settle?.()
          const built = buildEntry(status, new HeaderList(headersAtStore), collected, context.requestTime, env.now(), heuristicMs, defaults)
          void writeEntry(env, ex, context.key, built).finally(() => context.settle?.())
        })
        body.on('error', (error) => tee.destroy(error))
        response.body = body.pipe(tee)
      },

      onFinish(ex) {
        // A client that left before the body ended: free any waiters of this miss.
        ex.state.get(contextKey)?.settle?.()
      },
    }

    function refreshInBackground(ex: Exchange, key: string, entry: CacheEntry): void {
      if (refreshing.has(key)) return
      refreshing.add(key)
      const validators: string[] = []
      if (entry.etag !== undefined) validators.push('if-none-match', entry.etag)
      if (entry.lastModified !== undefined) validators.push('if-modified-since', entry.lastModified)
      const requestTime = env.now()
      const fetchDetached = ex.route?.action.fetchDetached
      if (fetchDetached === undefined) return
      fetchDetached
        .call(ex.route?.action, ex, validators, maxBytes)
        .then(async (fresh) => {
          const now = env.now()
          if (fresh.status === 304) {
            // RFC 9111 §4.3.4: a 304 only refreshes the entry its validator selects.
            const etag = new HeaderList(fresh.headers).get('etag')
            if (etag !== undefined && etag !== entry.etag) return undefined
            return writeEntry(env, ex, key, freshen(entry, new HeaderList(fresh.headers), requestTime, now, heuristicMs, defaults))
          }
          const headers = new HeaderList(fresh.headers)
          const cc = parseCacheControl(headers.get('cache-control'))
          if (fresh.body === undefined || !isStorable(fresh.status, cc, headers, parseCacheControl(undefined), false, heuristicMs).storable) return undefined
          return writeEntry(env, ex, key, buildEntry(fresh.status, new HeaderList(storableHeaders(headers)), fresh.body, requestTime, now, heuristicMs, defaults))
        })
        .catch((error: Error) => env.log.warn({ err: error.message, key }, 'background cache refresh failed'))
        .finally(() => refreshing.delete(key))
    }
  },
})

/** Followers of a coalesced miss wait at most this long for the leader's entry. */
const COALESCE_WAIT_MS = 10_000

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref())
}

/**
 * Registers this exchange as the one fetching `key`; returns its settle function, which is
 * idempotent and removes only its own entry (never a newer leader's).
 */
function lead(inflight: Map<string, Promise<void>>, key: string): () => void {
  let resolve!: () => void
  const promise = new Promise<void>((done) => (resolve = done))
  inflight.set(key, promise)
  let settled = false
  return () => {
    if (settled) return
    settled = true
    if (inflight.get(key) === promise) inflight.delete(key)
    resolve()
  }
}

/** The URI part of every key: what purges and invalidation address. */
function uriKey(ex: Exchange): string {
  const request = ex.request
  // The authority as sent, port included: the upstream may build URLs from it (X-Forwarded-Host),
  // so two authorities must never share an entry.
  return `GET ${ex.listener.protocol}://${request.authority || request.host}${request.path}${request.query === '' ? '' : `?${request.query}`}`
}
