// The per-request flow, in fixed phases (see docs/architecture.md):
//   route → onRequest (chain order; a LocalReply stops) → action → onResponse (reverse order,
//   over the policies whose onRequest ran) → write → finish (onFinish, access log, release).
// Synchronous hooks run in a plain loop; the flow only goes async when a hook returns a promise.
import type { Exchange } from '../exchange/exchange.js'
import { GatewayResponse } from '../exchange/gateway-response.js'
import { HeaderList } from '../exchange/header-list.js'
import { errorBody, LocalReply } from '../exchange/local-reply.js'
import { GatewayError } from '../errors.js'
import type { CompiledChain, CompiledRoute } from './compiled-route.js'

/** Runs the exchange once its route is set. */
export function runExchange(ex: Exchange): void {
  const route = ex.route
  if (route === undefined) throw new Error('runExchange needs a routed exchange')
  if (route.chain.hasOnRequest) runRequestPhase(ex, route.chain, 0)
  else {
    ex.entered = route.chain.policies.length
    runAction(ex)
  }
}

function runRequestPhase(ex: Exchange, chain: CompiledChain, start: number): void {
  const policies = chain.policies
  for (let i = start; i < policies.length; i++) {
    const hook = policies[i]?.onRequest
    if (hook === undefined) continue
    // Counted before it runs: if the client leaves while this hook is pending, the finish phase
    // still gives it onFinish (a policy may hold something it must release there).
    ex.entered = i + 1
    let result: ReturnType<typeof hook>
    try {
      result = hook.call(policies[i], ex)
    } catch (error) {
      stopAt(ex, i)
      return fail(ex, error)
    }
    if (result === undefined) continue
    if (result instanceof LocalReply) {
      stopAt(ex, i)
      return reply(ex, result)
    }
    result
      .then(
        (value) => {
          if (ex.finished) return
          if (value instanceof LocalReply) {
            stopAt(ex, i)
            reply(ex, value)
          } else runRequestPhase(ex, chain, i + 1)
        },
        (error: unknown) => {
          stopAt(ex, i)
          fail(ex, error)
        },
      )
      .catch((error: unknown) => failLate(ex, error))
    return
  }
  ex.entered = policies.length
  runAction(ex)
}

/**
 * Something threw inside an async continuation (after the phase code already handled its own
 * errors): answer 500 if nothing was sent yet, else cut the connection. Never an unhandled
 * rejection, which would end the process.
 */
function failLate(ex: Exchange, error: unknown): void {
  ex.log.error({ err: error }, 'unexpected error after an asynchronous hook')
  try {
    if (!ex.clientResponse.headersSent) failResponse(ex, error)
    else ex.clientResponse.destroy()
  } catch {
    ex.clientResponse.destroy()
  }
}

/** Policy `index` answered (or threw): it ran, so it gets onFinish; onResponse starts outside it. */
function stopAt(ex: Exchange, index: number): void {
  ex.entered = index + 1
  ex.stoppedAt = index
}

function runAction(ex: Exchange): void {
  try {
    const action = (ex.route as CompiledRoute).action
    if (ex.upgradeHead !== undefined && action.handleUpgrade !== undefined) action.handleUpgrade(ex)
    else action.handle(ex)
  } catch (error) {
    fail(ex, error)
  }
}

/** Answers with a reply the gateway made itself; it passes back through the policies outside it. */
export function reply(ex: Exchange, localReply: LocalReply): void {
  const headers = new HeaderList(localReply.flatHeaders !== undefined ? [...localReply.flatHeaders] : [])
  for (const name in localReply.headers) headers.append(name, localReply.headers[name] as string)
  let body = localReply.body
  if (localReply.error !== undefined) {
    ex.error = localReply.error
    body = errorBody(localReply.status, localReply.error, ex.id)
  }
  respond(ex, new GatewayResponse(localReply.status, headers, body, 'local'))
}

/** Turns a thrown error into a JSON error reply: catalogue errors keep their status, bugs are 500s. */
export function fail(ex: Exchange, error: unknown): void {
  if (error instanceof GatewayError) return reply(ex, LocalReply.error(error.status, error.code, error.message))
  ex.log.error({ err: error }, 'unexpected error while handling a request')
  reply(ex, LocalReply.fromCode('ERR_INTERNAL'))
}

/** Hands a response to the onResponse phase, then writes it. */
export function respond(ex: Exchange, response: GatewayResponse): void {
  ex.response = response
  const chain = ex.route?.chain
  const outside = ex.stoppedAt >= 0 ? ex.stoppedAt : ex.entered
  if (chain !== undefined && (chain.hasOnResponse || chain.hasOnResponseHeaders) && outside > 0) runResponsePhase(ex, chain, outside - 1)
  else writeResponse(ex)
}

/** Whether the action may stream straight to the client (no onResponse hook would see the body). */
export function canStreamDirectly(ex: Exchange): boolean {
  return !(ex.route?.chain.hasOnResponse ?? false)
}

/**
 * For an action streaming directly: runs the headers-only hooks on `ex.response` (reverse order).
 * Returns false when a hook threw; a 500 has then been written instead.
 */
export function runResponseHeaderHooks(ex: Exchange): boolean {
  const chain = ex.route?.chain
  if (chain === undefined || !chain.hasOnResponseHeaders) return true
  const policies = chain.policies
  const outside = ex.stoppedAt >= 0 ? ex.stoppedAt : ex.entered
  for (let i = outside - 1; i >= 0; i--) {
    const hook = policies[i]?.onResponseHeaders
    if (hook === undefined) continue
    try {
      hook.call(policies[i], ex)
    } catch (error) {
      failResponse(ex, error)
      return false
    }
  }
  return true
}

function runResponsePhase(ex: Exchange, chain: CompiledChain, start: number): void {
  const policies = chain.policies
  for (let i = start; i >= 0; i--) {
    const policy = policies[i]
    const headersHook = policy?.onResponseHeaders
    if (headersHook !== undefined) {
      try {
        headersHook.call(policy, ex)
      } catch (error) {
        return failResponse(ex, error)
      }
    }
    const hook = policy?.onResponse
    if (hook === undefined) continue
    let result: void | Promise<void>
    try {
      result = hook.call(policy, ex)
    } catch (error) {
      return failResponse(ex, error)
    }
    if (result !== undefined) {
      result
        .then(
          () => runResponsePhase(ex, chain, i - 1),
          (error: unknown) => failResponse(ex, error),
        )
        .catch((error: unknown) => failLate(ex, error))
      return
    }
  }
  writeResponse(ex)
}

/** A failing onResponse hook: the response is replaced by a 500, written without further hooks. */
function failResponse(ex: Exchange, error: unknown): void {
  ex.log.error({ err: error }, 'onResponse hook failed')
  const previous = ex.response?.body
  if (previous && typeof previous === 'object' && 'destroy' in previous) previous.destroy()
  ex.error = { code: 'ERR_INTERNAL', message: 'Internal gateway error' }
  const headers = new HeaderList(['content-type', 'application/json'])
  ex.response = new GatewayResponse(500, headers, errorBody(500, ex.error, ex.id), 'local')
  writeResponse(ex)
}

/** Writes `ex.response` to the client: head, then the body (value or stream). */
export function writeResponse(ex: Exchange): void {
  const res = ex.clientResponse
  const response = ex.response
  drainUnusedBody(ex)
  if (response === undefined || res.headersSent || res.destroyed) {
    destroyBody(response)
    return
  }
  const raw = response.headers.raw
  raw.push('x-request-id', ex.id)
  const body = response.body
  const isValue = body === null || typeof body === 'string' || Buffer.isBuffer(body)
  if (isValue && body !== null && response.headers.get('content-length') === undefined && response.headers.get('transfer-encoding') === undefined) {
    raw.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.length))
  }
  try {
    res.writeHead(response.status, raw)
  } catch (error) {
    // A header value node:http refuses (a policy or upstream put a control character in it):
    // nothing was sent, so answer a plain 500 without those headers.
    destroyBody(response)
    ex.log.error({ err: error }, 'response headers could not be written')
    ex.error = { code: 'ERR_INTERNAL', message: 'Internal gateway error' }
    res.writeHead(500, ['content-type', 'application/json', 'x-request-id', ex.id])
    res.end(errorBody(500, ex.error, ex.id))
    return
  }
  if (isValue) {
    res.end(body)
    return
  }
  if (body.destroyed) {
    // The body failed before it could be written (the upstream broke during an async hook).
    ex.abortReason = 'response-body-error'
    res.destroy()
    return
  }
  body.on('error', (error) => {
    ex.abortReason = 'response-body-error'
    ex.log.warn({ err: error }, 'response body failed while streaming')
    res.destroy(error)
  })
  body.pipe(res)
}

/**
 * A request body a policy took over (waf, bodyLimit) that nothing will read any more (a local
 * reply): read it to the end and drop it, so node:http can finish the request and keep the
 * connection instead of stalling on an unread body.
 */
function drainUnusedBody(ex: Exchange): void {
  if (!ex.hasUpstreamRequest) return
  const body = ex.upstreamRequest.body
  if (body !== undefined && !body.readableEnded && body.readableFlowing !== true && !body.destroyed) body.resume()
}

function destroyBody(response: GatewayResponse | undefined): void {
  const body = response?.body
  if (body && typeof body === 'object' && 'destroy' in body) body.destroy()
}

/** The finish phase: onFinish hooks, the access log, metrics, and the snapshot released. Runs once. */
export function finishExchange(ex: Exchange): void {
  if (ex.finished) return
  ex.finished = true
  const res = ex.clientResponse
  if (!res.writableFinished) {
    ex.abortReason ??= 'client-closed'
    ex.upstreamCall?.cancel(new Error('client closed the connection'))
  }
  const chain = ex.route?.chain
  if (chain !== undefined && chain.hasOnFinish) {
    const policies = chain.policies
    for (let i = 0; i < ex.entered; i++) {
      const hook = policies[i]?.onFinish
      if (hook === undefined) continue
      try {
        hook.call(policies[i], ex)
      } catch (error) {
        ex.log.error({ err: error }, 'onFinish hook failed')
      }
    }
  }
  ex.snapshot.accessLog?.write(ex, res.statusCode)
  ex.snapshot.metrics?.record(ex, res.statusCode)
  ex.snapshot.tracer?.end(ex, res.statusCode)
  ex.snapshot.release()
}
