// `rateLimit`: client rate limiting with the store's sliding window (see stores/sliding-window.ts
// for the algorithm and its accuracy: never over the limit, at most 1/20 of a window early).
// Refusals are 429 with Retry-After; every response carries the IETF RateLimit-Policy and
// RateLimit fields (draft-ietf-httpapi-ratelimit-headers-10). If the store fails, the request is
// let through (or refused with 503) at once, logged and counted, never left hanging.
import { formatDuration } from '../../config/duration.js'
import { claimsKey, consumerKey } from '../../exchange/consumer.js'
import type { Exchange } from '../../exchange/exchange.js'
import { stateKey } from '../../exchange/exchange-state.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { definePolicy } from '../../pipeline/policy.js'
import type { RateDecision, RateWindow } from '../../stores/store.js'
import { RateLimitOptions } from './options.js'

type KeyPart = (ex: Exchange) => string

export const rateLimit = definePolicy({
  name: 'rateLimit',
  stage: 'limit',
  options: RateLimitOptions,
  create(options, env) {
    const windows: RateWindow[] = [...(options.limit !== undefined && options.window !== undefined ? [{ limit: options.limit, windowMs: options.window }] : []), ...(options.limits ?? []).map((l) => ({ limit: l.limit, windowMs: l.window }))]
    if ((options.limit === undefined) !== (options.window === undefined)) throw new Error('limit and window go together')
    if (windows.length === 0) throw new Error('set limit and window, or limits')
    const names = windows.map((w) => `${w.limit}-per-${formatDuration(w.windowMs)}`)
    const policyHeader = windows.map((w, i) => `"${names[i]}";q=${w.limit};w=${Math.ceil(w.windowMs / 1000)}`).join(', ')
    const parts = (options.keyBy ?? ['ip']).map(compileKeyPart)
    const namespace = options.name ?? env.routeName ?? 'global'
    const decisionKey = stateKey<RateDecision>(`rateLimit:${namespace}:${names.join(',')}`)
    const failClosed = options.onStoreError === 'deny'
    const sendHeaders = options.headers !== false
    let storeErrors = 0
    let lastWarning = 0
    const rateHeader = (decision: RateDecision): string =>
      decision.windows.map((w, i) => `"${names[i]}";r=${w.remaining};t=${Math.ceil(w.resetMs / 1000)}`).join(', ')

    return {
      async onRequest(ex) {
        let key = namespace
        for (const part of parts) key += `|${part(ex)}`
        let decision: RateDecision
        try {
          decision = await env.store.hit(key, windows)
        } catch (error) {
          storeErrors++
          const now = env.now()
          if (now - lastWarning > 10_000) {
            lastWarning = now
            env.log.warn({ err: (error as Error).message, storeErrors }, `rate limit store unavailable; failing ${failClosed ? 'closed' : 'open'}`)
          }
          ex.logDetail = 'rate limit store unavailable'
          return failClosed ? LocalReply.fromCode('ERR_RATE_LIMIT_UNAVAILABLE') : undefined
        }
        if (decision.allowed) {
          if (sendHeaders) ex.state.set(decisionKey, decision)
          return undefined
        }
        ex.logDetail = `rate limited (${key})`
        const reply = LocalReply.fromCode('ERR_RATE_LIMITED')
        reply.headers['retry-after'] = String(Math.max(1, Math.ceil(decision.retryAfterMs / 1000)))
        if (sendHeaders) {
          reply.headers['ratelimit-policy'] = policyHeader
          reply.headers.ratelimit = rateHeader(decision)
        }
        return reply
      },
      onResponseHeaders(ex) {
        const decision = ex.state.get(decisionKey)
        if (decision === undefined || ex.response === undefined) return
        ex.response.headers.set('ratelimit-policy', policyHeader)
        ex.response.headers.set('ratelimit', rateHeader(decision))
      },
    }
  },
})

function compileKeyPart(spec: string): KeyPart {
  if (spec === 'ip') return (ex) => `ip:${ex.client.ip}`
  if (spec === 'route') return (ex) => `route:${ex.route?.name ?? ''}`
  if (spec === 'consumer') return (ex) => {
    const consumer = ex.state.get(consumerKey)
    return consumer === undefined ? `ip:${ex.client.ip}` : `consumer:${consumer.name}`
  }
  if (spec.startsWith('header:')) {
    const name = spec.slice(7).toLowerCase()
    return (ex) => `${name}:${ex.request.header(name) ?? ''}`
  }
  const claim = spec.slice(6)
  return (ex) => {
    const value = ex.state.get(claimsKey)?.[claim]
    return `${claim}:${typeof value === 'string' ? value : JSON.stringify(value ?? null)}`
  }
}
