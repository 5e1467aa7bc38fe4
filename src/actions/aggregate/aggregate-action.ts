// The aggregate action (the Gateway Aggregation pattern): one client request fans out to several
// service calls run by the plan, and their JSON answers come back merged into one object. The
// route's policies ran before (authentication gates the fan-out); the merged answer passes back
// through them like any local reply.
import type { Exchange } from '../../exchange/exchange.js'
import { GatewayResponse } from '../../exchange/gateway-response.js'
import { HeaderList } from '../../exchange/header-list.js'
import { LocalReply } from '../../exchange/local-reply.js'
import type { RouteAction } from '../../pipeline/compiled-route.js'
import { fail, reply, respond } from '../../pipeline/run-exchange.js'
import type { ServiceRuntime } from '../../services/service-runtime.js'
import { HOP_BY_HOP } from '../proxy/hop-by-hop.js'
import { executePlan, type ExecutionResult } from './execute.js'
import { fetchCall } from './fetch-call.js'
import { mergeAnswer } from './merge.js'
import { describePlan, type AggregatePlan, type PlannedCall } from './plan.js'

/**
 * Headers of the upstream request that no call gets: the body is never sent (so none of its
 * framing), the answer must be whole identity-coded JSON (so no validators, ranges or codings),
 * and credentials go only to calls that list them in `forwardHeaders`.
 */
const NOT_FORWARDED = new Set([
  'host', 'content-length', 'content-type', 'content-encoding', 'transfer-encoding', 'expect',
  'accept', 'accept-encoding', 'range', 'if-range', 'if-match', 'if-none-match', 'if-modified-since', 'if-unmodified-since',
  'authorization', 'proxy-authorization', 'cookie',
])

export class AggregateAction implements RouteAction {
  readonly kind = 'aggregate'
  readonly #plan: AggregatePlan
  /** The service of each call, by plan index. */
  readonly #services: readonly ServiceRuntime[]
  /** The calls in config order: the merged answer's key order. */
  readonly #slots: readonly PlannedCall[]
  readonly #description: string
  /** A call without its own timeout gets its service's. */
  readonly #callTimeoutMs = (call: PlannedCall): number => (this.#services[call.index] as ServiceRuntime).timeoutMs

  constructor(plan: AggregatePlan, services: ReadonlyMap<string, ServiceRuntime>) {
    this.#plan = plan
    this.#services = plan.calls.map((call) => {
      const service = services.get(call.service)
      if (service === undefined) throw new Error(`aggregate call ${call.name}: unknown service ${call.service} (config validation should have caught this)`)
      return service
    })
    this.#slots = plan.configOrder.map((index) => plan.calls[index] as PlannedCall)
    this.#description = describePlan(plan)
  }

  handle(ex: Exchange): void {
    const upstream = ex.upstreamRequest
    const base = baseHeaders(upstream.headers.raw)
    const queryAt = upstream.path.indexOf('?')
    // The query as policies left it (apiKey removes its key), not as the client sent it.
    const query = queryAt === -1 ? '' : upstream.path.slice(queryAt + 1)
    const cancel = new AbortController()
    ex.upstreamCall = { cancel: (reason) => cancel.abort(reason) }
    const onAttempt = (): void => {
      ex.attempts++
    }
    executePlan({
      plan: this.#plan,
      params: ex.params ?? {},
      signal: cancel.signal,
      callTimeoutMs: this.#callTimeoutMs,
      run: (call, path, signal, deadline) => {
        const service = this.#services[call.index] as ServiceRuntime
        return fetchCall({
          service,
          method: call.method,
          path: call.forwardQuery && query !== '' ? `${path}${path.includes('?') ? '&' : '?'}${query}` : path,
          headers: callHeaders(base, upstream.headers.raw, call.forwardHeaders),
          maxBodyBytes: call.maxBodyBytes,
          maxDepth: call.maxDepth,
          hashKey: service.algorithm === 'ip-hash' ? ex.client.ip : service.hashHeader !== undefined ? ex.request.header(service.hashHeader) : undefined,
          signal,
          deadline,
          onAttempt,
        })
      },
    })
      .then((result) => this.#answer(ex, result))
      .catch((error: unknown) => {
        if (!ex.finished) fail(ex, error)
      })
      .catch(() => ex.clientResponse.destroy())
  }

  describe(): string {
    return this.#description
  }

  #answer(ex: Exchange, result: ExecutionResult): void {
    if (ex.upstreamCall !== undefined) ex.upstreamCall = undefined
    this.#recordFailures(ex, result)
    if (ex.finished || result.aborted) return
    if (result.fatal !== undefined) {
      const { call, failure } = result.fatal
      ex.logDetail = `aggregate call ${call.name} failed: ${failure.message}`
      return reply(ex, LocalReply.error(failure.status, failure.code, `Aggregate call "${call.name}" failed: ${failure.message}`))
    }
    const slots = this.#slots
    const merged = mergeAnswer(
      slots,
      slots.map((call) => result.values[call.index]),
      slots.map((call) => result.failures[call.index]),
    )
    const headers = new HeaderList(['content-type', 'application/json'])
    if (merged.partial) {
      headers.append('x-portico-partial', 'true')
      ex.logDetail = `partial: ${slots.flatMap((call) => {
        const failure = result.failures[call.index]
        return failure === undefined ? [] : [`${call.name} ${failure.code}`]
      }).join(', ')}`
    }
    respond(ex, new GatewayResponse(200, headers, JSON.stringify(merged.body), 'local'))
  }

  /** Each call that reached (or tried to reach) its service and failed, for the upstream-error metric. */
  #recordFailures(ex: Exchange, result: ExecutionResult): void {
    for (const call of this.#slots) {
      const failure = result.failures[call.index]
      if (failure === undefined || failure.code === 'ERR_DEPENDENCY_FAILED' || failure.code === 'ERR_ABORTED') continue
      ex.upstreamFailures ??= []
      ex.upstreamFailures.push({ service: call.service, code: failure.code })
    }
  }
}

/** The upstream request's headers (forwarding headers, request id, consumer) minus what calls never get. */
function baseHeaders(raw: readonly string[]): string[] {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (HOP_BY_HOP[name] === true || NOT_FORWARDED.has(name)) continue
    out.push(name, raw[i + 1] as string)
  }
  out.push('accept', 'application/json', 'accept-encoding', 'identity')
  return out
}

/** The base headers plus the withheld client headers this call lists. */
function callHeaders(base: readonly string[], raw: readonly string[], forward: readonly string[]): string[] {
  if (forward.length === 0) return base as string[]
  const out = [...base]
  for (let i = 0; i < raw.length; i += 2) if (forward.includes(raw[i] as string)) out.push(raw[i] as string, raw[i + 1] as string)
  return out
}
