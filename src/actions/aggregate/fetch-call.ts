// One aggregate call to its service, with the proxy's accounting: the breaker is asked first, the
// balancer picks a target, the result counts toward passive health and the breaker, and a call
// that never reached a service (or an idempotent one that got no answer) may try another target.
// The answer must be 2xx JSON within the size cap, all before the call's deadline.
import type { ErrorCode } from '../../errors.js'
import type { ServiceRuntime } from '../../services/service-runtime.js'
import type { Target } from '../../services/target.js'
import { classifyUpstreamError, isLocalRequestError } from '../proxy/upstream-error.js'
import { ABORTED, failureOf, type CallResult } from './execute.js'

export interface CallRequest {
  readonly service: ServiceRuntime
  readonly method: string
  /** Path and query, already rendered. */
  readonly path: string
  /** Flat lower-case header pairs. */
  readonly headers: readonly string[]
  readonly maxBodyBytes: number
  /** Deepest nesting of arrays and objects accepted in the answer (deeper: ERR_UPSTREAM_NOT_JSON). */
  readonly maxDepth: number
  /** What a hash balancer hashes (client address or header), if it hashes. */
  readonly hashKey: string | undefined
  /** Aborts when the whole run ends early. */
  readonly signal: AbortSignal
  /** Absolute deadline (ms since the epoch) for the headers and the whole body. */
  readonly deadline: number
  /** Called for every attempt (access-log counts). */
  readonly onAttempt?: (target: Target) => void
}

const IDEMPOTENT = new Set(['GET', 'PUT', 'DELETE'])
const TIMED_OUT = new Error('aggregate call deadline')

/** One attempt's result, and whether another target may be tried. */
interface Attempt {
  readonly retry: boolean
  readonly result: CallResult
}

/** Sends the call, retrying on another target when that is safe and time remains. Never rejects. */
export async function fetchCall(request: CallRequest): Promise<CallResult> {
  const { service } = request
  const tried: Target[] = []
  let last: Attempt | undefined
  for (let attempt = 0; attempt <= service.retries; attempt++) {
    if (request.signal.aborted) return ABORTED
    const now = Date.now()
    if (request.deadline - now <= 0) return last?.result ?? { ok: false, failure: failureOf('ERR_UPSTREAM_TIMEOUT') }
    if (service.breaker !== undefined && !service.breaker.allow(now)) return { ok: false, failure: failureOf('ERR_CIRCUIT_OPEN') }
    const target = service.pick(now, request.hashKey, tried)
    if (target === undefined) {
      service.breaker?.onAbandon()
      return last?.result ?? { ok: false, failure: failureOf('ERR_NO_HEALTHY_UPSTREAM') }
    }
    tried.push(target)
    request.onAttempt?.(target)
    last = await attemptOn(request, target)
    if (!last.retry) return last.result
  }
  return (last as Attempt).result
}

async function attemptOn(request: CallRequest, target: Target): Promise<Attempt> {
  const { service } = request
  const remaining = request.deadline - Date.now()
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(TIMED_OUT), remaining)
  const onAbort = (): void => controller.abort(request.signal.reason)
  request.signal.addEventListener('abort', onAbort, { once: true })
  let answered = false
  target.inflight++
  try {
    const response = await target.pool.request({
      method: request.method as 'GET',
      path: request.path,
      headers: request.headers as string[],
      signal: controller.signal,
      headersTimeout: Math.min(service.perTryTimeoutMs, remaining),
      bodyTimeout: service.idleTimeoutMs,
    })
    answered = true
    const status = response.statusCode
    if (status >= 500) service.recordFailure(target, Date.now())
    else service.recordSuccess(target)
    if (status < 200 || status > 299) {
      discard(response.body)
      const result: CallResult = { ok: false, failure: failureOf('ERR_UPSTREAM_STATUS', `The upstream service answered ${status}`, status) }
      // A `retryOn` status goes to another target if one is left (fetchCall stops when none is).
      return service.retryOn.has(status) && IDEMPOTENT.has(request.method) ? { retry: true, result } : { retry: false, result }
    }
    const problem = notJson(response.headers)
    if (problem !== undefined) {
      discard(response.body)
      return { retry: false, result: { ok: false, failure: failureOf('ERR_UPSTREAM_NOT_JSON', `The upstream service did not answer with JSON (${problem})`) } }
    }
    const declared = Number(response.headers['content-length'] ?? 0)
    if (declared > request.maxBodyBytes) {
      response.body.destroy()
      return { retry: false, result: tooLarge(request.maxBodyBytes) }
    }
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of response.body) {
      size += (chunk as Buffer).length
      if (size > request.maxBodyBytes) {
        response.body.destroy()
        return { retry: false, result: tooLarge(request.maxBodyBytes) }
      }
      chunks.push(chunk as Buffer)
    }
    const bytes = Buffer.concat(chunks)
    // JSON.parse copes with any depth, but what is built from the value (select, the merged
    // answer's JSON.stringify) recurses: a deep enough answer would overflow the stack.
    if (nestingExceeds(bytes, request.maxDepth)) {
      return { retry: false, result: { ok: false, failure: failureOf('ERR_UPSTREAM_NOT_JSON', `The upstream service sent JSON nested deeper than ${request.maxDepth} levels`) } }
    }
    try {
      return { retry: false, result: { ok: true, value: JSON.parse(bytes.toString('utf8').replace(/^\uFEFF/, '')) as unknown } }
    } catch (error) {
      return { retry: false, result: { ok: false, failure: failureOf('ERR_UPSTREAM_NOT_JSON', `The upstream service sent invalid JSON (${(error as Error).message})`) } }
    }
  } catch (error) {
    return failedAttempt(request, target, error, controller.signal, answered)
  } finally {
    clearTimeout(timer)
    request.signal.removeEventListener('abort', onAbort)
    target.inflight--
  }
}

function failedAttempt(request: CallRequest, target: Target, error: unknown, signal: AbortSignal, answered: boolean): Attempt {
  const { service } = request
  if (signal.aborted && signal.reason !== TIMED_OUT) {
    // Cancelled by the run (a sibling failed, the client left): no verdict on the service.
    if (!answered) service.breaker?.onAbandon()
    return { retry: false, result: ABORTED }
  }
  if (isLocalRequestError(error)) {
    if (!answered) service.breaker?.onAbandon()
    return { retry: false, result: { ok: false, failure: failureOf('ERR_UNSENDABLE_REQUEST') } }
  }
  const code: ErrorCode = signal.aborted ? 'ERR_UPSTREAM_TIMEOUT' : classifyUpstreamError(error)
  service.recordFailure(target, Date.now())
  const result: CallResult = { ok: false, failure: failureOf(code) }
  // Replay only what is safe (RFC 9110 §9.2.2): nothing was sent (connect failed), or an
  // idempotent call got no answer at all. The call deadline is never extended.
  const safe = code === 'ERR_UPSTREAM_CONNECT' || (!answered && IDEMPOTENT.has(request.method) && (code === 'ERR_UPSTREAM_RESET' || code === 'ERR_UPSTREAM_TIMEOUT'))
  return { retry: safe && !signal.aborted, result }
}

/**
 * Whether JSON text nests arrays and objects deeper than `max`, scanned over the UTF-8 bytes
 * (brackets and quotes are ASCII, never part of a multi-byte sequence). Brackets inside strings do
 * not count. Invalid JSON is left for JSON.parse to refuse.
 */
export function nestingExceeds(json: Uint8Array, max: number): boolean {
  let depth = 0
  let inString = false
  for (let i = 0; i < json.length; i++) {
    const byte = json[i] as number
    if (inString) {
      if (byte === 0x5c /* \ */) i++
      else if (byte === 0x22 /* " */) inString = false
    } else if (byte === 0x22) inString = true
    else if (byte === 0x5b /* [ */ || byte === 0x7b /* { */) {
      if (++depth > max) return true
    } else if (byte === 0x5d /* ] */ || byte === 0x7d /* } */) depth--
  }
  return false
}

/** Why the answer cannot be read as JSON, or undefined when it can (RFC 8259 §11, RFC 6839 +json). */
function notJson(headers: Record<string, string | string[] | undefined>): string | undefined {
  const type = String(headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? ''
  if (type !== 'application/json' && !/^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+\+json$/.test(type)) return type === '' ? 'no content-type' : `content-type ${type}`
  const coding = String(headers['content-encoding'] ?? 'identity').trim().toLowerCase()
  if (coding !== '' && coding !== 'identity') return `content-encoding ${coding}`
  return undefined
}

function tooLarge(max: number): CallResult {
  return { ok: false, failure: failureOf('ERR_UPSTREAM_BODY_TOO_LARGE', `The upstream answer is larger than ${max} bytes`) }
}

/** Reads and drops an unwanted body, so the connection can serve the next request. */
function discard(body: { dump(options?: { limit?: number }): Promise<void> }): void {
  body.dump({ limit: 64 * 1024 }).catch(() => undefined)
}
