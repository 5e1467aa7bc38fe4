// The proxy action: sends the upstream request to a target chosen by the service's balancer and
// streams the response back. One `ProxyAttempt` per try is the undici dispatch handler: it gets
// raw header buffers and body chunks as callbacks (no stream or promise per request), and passes
// backpressure both ways by returning false and resuming on 'drain'.
// Retries go to another target, only when replaying is safe (RFC 9110 §9.2.2): the request was
// never sent, or it is idempotent and has no body.
import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import type { Cancellable, Exchange } from '../../exchange/exchange.js'
import { GatewayResponse } from '../../exchange/gateway-response.js'
import { HeaderList } from '../../exchange/header-list.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { GatewayError, type ErrorCode } from '../../errors.js'
import type { DetachedResponse, RouteAction } from '../../pipeline/compiled-route.js'
import { fetchDetached } from './fetch-detached.js'
import { canStreamDirectly, reply, respond, runResponseHeaderHooks } from '../../pipeline/run-exchange.js'
import type { ServiceRuntime } from '../../services/service-runtime.js'
import type { Target } from '../../services/target.js'
import { connectionListed, HOP_BY_HOP, removeListed } from './hop-by-hop.js'
import { classifyUpstreamError, isLocalRequestError } from './upstream-error.js'
import { lowerCaseHeaderName } from './header-names.js'
import { proxyWebSocket } from './websocket.js'

function ignoreError(): void {}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE', 'PUT', 'DELETE'])

export class ProxyAction implements RouteAction {
  readonly kind = 'proxy'
  readonly service: ServiceRuntime

  constructor(service: ServiceRuntime) {
    this.service = service
  }

  handle(ex: Exchange): void {
    startAttempt(ex, this.service, undefined, 0, undefined)
  }

  handleUpgrade(ex: Exchange): void {
    proxyWebSocket(ex, this.service)
  }

  describe(): string {
    return `proxy to service ${this.service.name}`
  }

  fetchDetached(ex: Exchange, extraHeaders: readonly string[], maxBytes: number): Promise<DetachedResponse> {
    return fetchDetached(ex, this.service, extraHeaders, maxBytes)
  }
}

/** The value a hash balancer hashes for this exchange. */
function hashKey(ex: Exchange, service: ServiceRuntime): string | undefined {
  if (service.algorithm === 'ip-hash') return ex.client.ip
  if (service.hashHeader !== undefined) return ex.request.header(service.hashHeader)
  return undefined
}

/**
 * Picks a target and dispatches one attempt; `deadline` 0 means this is the first attempt.
 * `lastError` is what the previous attempt failed with: when no untried target is left, the
 * client gets that (a 502 or 504), not a misleading "no healthy target".
 */
function startAttempt(ex: Exchange, service: ServiceRuntime, tried: Target[] | undefined, deadline: number, lastError: ErrorCode | undefined): void {
  const now = Date.now()
  if (deadline === 0) deadline = now + service.timeoutMs
  const remaining = deadline - now
  if (remaining <= 0) return reply(ex, LocalReply.fromCode('ERR_UPSTREAM_TIMEOUT'))
  if (service.breaker !== undefined && !service.breaker.allow(now)) return reply(ex, LocalReply.fromCode('ERR_CIRCUIT_OPEN'))
  const target = service.pick(now, service.algorithm === 'round-robin' ? undefined : hashKey(ex, service), tried)
  if (target === undefined) {
    service.breaker?.onAbandon()
    return reply(ex, LocalReply.fromCode(lastError ?? 'ERR_NO_HEALTHY_UPSTREAM'))
  }
  const upstream = ex.upstreamRequest
  const attempt = new ProxyAttempt(ex, service, target, tried, deadline)
  ex.attempts++
  ex.target = target.url
  ex.upstreamCall = attempt
  target.inflight++
  target.pool.dispatch(
    {
      path: upstream.path,
      method: upstream.method,
      headers: upstream.headers.raw,
      body: upstream.body ?? (ex.request.hasBody ? ex.request.raw : null),
      headersTimeout: Math.min(service.perTryTimeoutMs, remaining),
      bodyTimeout: service.idleTimeoutMs,
    },
    attempt,
  )
}

/** The response body as a stream, for routes whose onResponse hooks may wrap or read it. */
class UpstreamBody extends Readable {
  readonly #attempt: ProxyAttempt
  constructor(attempt: ProxyAttempt) {
    super()
    this.#attempt = attempt
    // The upstream can fail while an async onResponse hook holds the body and nothing listens
    // yet: the writer (or a wrapping stream) sees `destroyed`/'error' later, the process never
    // sees an unhandled 'error'.
    this.on('error', ignoreError)
  }
  override _read(): void {
    this.#attempt.resumeUpstream()
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    if (!this.readableEnded) this.#attempt.cancel(error ?? new Error('response body destroyed'))
    callback(error)
  }
}

class ProxyAttempt implements Dispatcher.DispatchHandler, Cancellable {
  readonly #ex: Exchange
  readonly #service: ServiceRuntime
  readonly #target: Target
  readonly #tried: Target[] | undefined
  readonly #deadline: number
  #abort: ((reason?: Error) => void) | undefined = undefined
  #resume: (() => void) | undefined = undefined
  /** The request reached the wire (undici called onConnect); after this a body cannot be replayed. */
  #sent = false
  /** The response head was passed on; errors after this can only cut the stream. */
  #responded = false
  #retrying = false
  #paused = false
  #done = false
  /** The client already has its answer (written here); a later upstream error changes nothing. */
  #answered = false
  #body: UpstreamBody | undefined = undefined

  constructor(ex: Exchange, service: ServiceRuntime, target: Target, tried: Target[] | undefined, deadline: number) {
    this.#ex = ex
    this.#service = service
    this.#target = target
    this.#tried = tried
    this.#deadline = deadline
  }

  cancel(reason: Error): void {
    this.#abort?.(reason)
  }

  resumeUpstream(): void {
    if (this.#paused) {
      this.#paused = false
      this.#resume?.()
    }
  }

  onConnect(abort: (err?: Error) => void): void {
    this.#abort = abort
    this.#sent = true
    if (this.#ex.finished) abort(new Error('client closed the connection'))
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true // 1xx informational: nothing to forward
    const service = this.#service
    if (statusCode >= 500) {
      // Retry on this status only if another target can take it; otherwise the client gets the
      // upstream's own answer (with its Retry-After), not a made-up 502.
      if (service.retryOn.has(statusCode) && this.#mayRetry() && service.hasEligible(Date.now(), [...(this.#tried ?? []), this.#target])) {
        this.#retrying = true
        service.recordFailure(this.#target, Date.now())
        this.#abort?.(new Error('retrying on status'))
        return false
      }
      service.recordFailure(this.#target, Date.now())
    } else {
      service.recordSuccess(this.#target)
    }
    this.#responded = true
    this.#resume = resume
    const ex = this.#ex
    const headers = responseHeaders(rawHeaders)
    if (canStreamDirectly(ex)) {
      const res = ex.clientResponse
      if (res.headersSent || res.destroyed) {
        this.#answered = true
        this.#abort?.(new Error('the client response is gone'))
        return false
      }
      let status = statusCode
      let flat = headers
      if (ex.route?.chain.hasOnResponseHeaders === true) {
        const response = new GatewayResponse(statusCode, new HeaderList(headers), null, 'upstream')
        ex.response = response
        if (!runResponseHeaderHooks(ex)) {
          // A 500 was written in place of this response: stop the upstream, answer nothing more.
          this.#answered = true
          this.#abort?.(new Error('a response hook failed'))
          return false
        }
        status = response.status
        flat = response.headers.raw
      }
      flat.push('x-request-id', ex.id)
      try {
        res.writeHead(status, flat)
      } catch (error) {
        // node:http refuses a header value it may not send (a control character from a broken
        // upstream): nothing is on the wire yet, so the client gets a clean 502.
        this.#responded = false
        ex.logDetail = `invalid upstream response header: ${(error as Error).message}`
        this.#abort?.(new GatewayError('ERR_UPSTREAM_PROTOCOL', (error as Error).message))
        return false
      }
      return true
    }
    this.#body = new UpstreamBody(this)
    respond(ex, new GatewayResponse(statusCode, new HeaderList(headers), this.#body, 'upstream'))
    return true
  }

  onData(chunk: Buffer): boolean {
    const body = this.#body
    if (body !== undefined) {
      if (body.push(chunk)) return true
      this.#paused = true
      return false
    }
    const res = this.#ex.clientResponse
    if (res.write(chunk)) return true
    if (this.#resume !== undefined) res.once('drain', this.#resume)
    return false
  }

  onComplete(): void {
    this.#settle()
    if (this.#body !== undefined) this.#body.push(null)
    else this.#ex.clientResponse.end()
  }

  onError(error: Error): void {
    this.#settle()
    if (this.#answered) {
      this.#service.breaker?.onAbandon()
      return
    }
    const ex = this.#ex
    const service = this.#service
    if (ex.finished) {
      service.breaker?.onAbandon()
      return
    }
    if (this.#retrying) return startAttempt(ex, service, [...(this.#tried ?? []), this.#target], this.#deadline, 'ERR_UPSTREAM_RESET')
    if (error instanceof GatewayError) {
      // Our own refusal while streaming the request body (e.g. bodyLimit): not the upstream's fault.
      service.breaker?.onAbandon()
      ex.clientResponse.shouldKeepAlive = false
      if (this.#responded) ex.clientResponse.destroy(error)
      else reply(ex, LocalReply.error(error.status, error.code, error.message))
      return
    }
    if (isLocalRequestError(error)) {
      // Nothing reached the upstream: no health or breaker verdict, no retry (it would fail alike).
      service.breaker?.onAbandon()
      ex.logDetail = `request not sent: ${error.message}`
      return reply(ex, LocalReply.fromCode('ERR_UNSENDABLE_REQUEST'))
    }
    const code = classifyUpstreamError(error)
    if (this.#responded) {
      // Mid-body failure: the status is already on the wire, so the client can only see a cut stream.
      service.recordFailure(this.#target, Date.now())
      ex.abortReason = `upstream-${code}`
      ex.error = { code, message: error.message }
      if (this.#body !== undefined) this.#body.destroy(error)
      else ex.clientResponse.destroy(error)
      return
    }
    service.recordFailure(this.#target, Date.now())
    ex.log.debug({ err: error, target: this.#target.url, attempt: ex.attempts }, 'upstream attempt failed')
    if (this.#mayRetry() && Date.now() < this.#deadline) {
      return startAttempt(ex, service, [...(this.#tried ?? []), this.#target], this.#deadline, code)
    }
    reply(ex, LocalReply.fromCode(code))
  }

  /** Replay is safe if nothing was sent, or the request is idempotent and bodiless; and budget remains. */
  #mayRetry(): boolean {
    const ex = this.#ex
    if (ex.attempts > this.#service.retries) return false
    if (!this.#sent) return true
    return IDEMPOTENT.has(ex.request.method) && !ex.request.hasBody
  }

  #settle(): void {
    if (this.#done) return
    this.#done = true
    this.#target.inflight--
    if (this.#ex.upstreamCall === this) this.#ex.upstreamCall = undefined
  }
}

/** Upstream response headers as a flat string array, hop-by-hop removed and our Via appended. */
function responseHeaders(raw: Buffer[]): string[] {
  const out: string[] = []
  let listed: readonly string[] | undefined
  let via: string | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = lowerCaseHeaderName(raw[i] as Buffer)
    if (HOP_BY_HOP[name] === true) {
      if (name === 'connection') listed = connectionListed((raw[i + 1] as Buffer).toString('latin1'))
      continue
    }
    if (name === 'x-request-id') continue
    if (name === 'via') {
      via = (raw[i + 1] as Buffer).toString('latin1')
      continue
    }
    out.push(name, (raw[i + 1] as Buffer).toString('latin1'))
  }
  if (listed !== undefined && listed.length > 0) removeListed(out, listed)
  // The upstream spoke HTTP/1.1 to us (RFC 9110 §7.6.3: Via names the received protocol).
  out.push('via', via === undefined ? '1.1 portico' : `${via}, 1.1 portico`)
  return out
}
