// A buffered upstream request made on behalf of an exchange but outside its flow: the response
// cache uses it to refresh a stale entry in the background while the client already has the
// stale copy. One attempt, the service's timeouts, and a size cap.
import type { Exchange } from '../../exchange/exchange.js'
import { GatewayError } from '../../errors.js'
import type { DetachedResponse } from '../../pipeline/compiled-route.js'
import type { ServiceRuntime } from '../../services/service-runtime.js'
import { HOP_BY_HOP } from './hop-by-hop.js'

export async function fetchDetached(ex: Exchange, service: ServiceRuntime, extraHeaders: readonly string[], maxBytes: number): Promise<DetachedResponse> {
  const now = Date.now()
  if (service.breaker !== undefined && !service.breaker.allow(now)) throw new GatewayError('ERR_CIRCUIT_OPEN')
  const target = service.pick(now, service.algorithm === 'ip-hash' ? ex.client.ip : service.hashHeader ? ex.request.header(service.hashHeader) : undefined, undefined)
  if (target === undefined) {
    service.breaker?.onAbandon()
    throw new GatewayError('ERR_NO_HEALTHY_UPSTREAM')
  }
  const upstream = ex.upstreamRequest
  target.inflight++
  try {
    const response = await target.pool.request({
      method: 'GET',
      path: upstream.path,
      headers: [...withoutConditionals(upstream.headers.raw), ...extraHeaders],
      headersTimeout: service.timeoutMs,
      bodyTimeout: service.idleTimeoutMs,
    })
    if (response.statusCode >= 500) service.recordFailure(target, Date.now())
    else service.recordSuccess(target)
    const headers: string[] = []
    for (const [name, value] of Object.entries(response.headers)) {
      if (HOP_BY_HOP[name] === true || value === undefined) continue
      for (const one of Array.isArray(value) ? value : [value]) headers.push(name, one)
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length
      if (size > maxBytes) {
        response.body.destroy()
        return { status: response.statusCode, headers, body: undefined }
      }
      chunks.push(chunk as Buffer)
    }
    return { status: response.statusCode, headers, body: Buffer.concat(chunks) }
  } catch (error) {
    service.recordFailure(target, Date.now())
    throw error
  } finally {
    target.inflight--
  }
}

/** The client's own validators and ranges are about its copy, not the cache's: drop them. */
const CLIENT_CONDITIONALS = new Set(['if-none-match', 'if-modified-since', 'if-match', 'if-unmodified-since', 'if-range', 'range'])

function withoutConditionals(flat: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < flat.length; i += 2) if (!CLIENT_CONDITIONALS.has(flat[i] as string)) out.push(flat[i] as string, flat[i + 1] as string)
  return out
}
