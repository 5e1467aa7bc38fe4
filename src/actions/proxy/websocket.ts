// WebSocket (HTTP/1.1 Upgrade, RFC 6455 §4) through the proxy: the handshake goes to a target with
// the upgrade headers kept, the 101 answer comes back, then bytes flow both ways untouched until
// either side closes. An upstream that refuses the upgrade has its answer forwarded as is.
import { request as httpRequest, type IncomingMessage } from 'node:http'
import { request as httpsRequest } from 'node:https'
import type { Socket } from 'node:net'
import type { Exchange } from '../../exchange/exchange.js'
import { GatewayResponse } from '../../exchange/gateway-response.js'
import { HeaderList } from '../../exchange/header-list.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { reply, respond } from '../../pipeline/run-exchange.js'
import type { ServiceRuntime } from '../../services/service-runtime.js'
import { HOP_BY_HOP } from './hop-by-hop.js'
import { classifyUpstreamError } from './upstream-error.js'

export function proxyWebSocket(ex: Exchange, service: ServiceRuntime): void {
  const now = Date.now()
  if (service.breaker !== undefined && !service.breaker.allow(now)) return reply(ex, LocalReply.fromCode('ERR_CIRCUIT_OPEN'))
  const target = service.pick(now, service.algorithm === 'ip-hash' ? ex.client.ip : service.hashHeader ? ex.request.header(service.hashHeader) : undefined, undefined)
  if (target === undefined) {
    service.breaker?.onAbandon()
    return reply(ex, LocalReply.fromCode('ERR_NO_HEALTHY_UPSTREAM'))
  }
  ex.attempts++
  ex.target = target.url
  const upstream = ex.upstreamRequest
  const headers = upstream.headers.toObject()
  headers.connection = 'Upgrade'
  headers.upgrade = ex.request.header('upgrade') ?? 'websocket'
  const url = new URL(target.url)
  const makeRequest = url.protocol === 'https:' ? httpsRequest : httpRequest
  const outgoing = makeRequest({
    host: url.hostname,
    port: url.port,
    method: upstream.method,
    path: upstream.path,
    headers: { host: target.authority, ...headers },
    timeout: service.perTryTimeoutMs,
    ...(target.tls ?? {}),
  })
  let settled = false
  outgoing.on('timeout', () => outgoing.destroy(Object.assign(new Error('upstream did not answer the upgrade in time'), { code: 'ETIMEDOUT' })))
  outgoing.on('error', (error) => {
    if (settled) return
    if (ex.finished) {
      // The client left first: no verdict on the upstream, but free a half-open trial slot.
      settled = true
      service.breaker?.onAbandon()
      return
    }
    settled = true
    service.recordFailure(target, Date.now())
    reply(ex, LocalReply.fromCode(classifyUpstreamError(error)))
  })
  outgoing.on('response', (response: IncomingMessage) => {
    settled = true
    service.recordSuccess(target)
    respond(ex, new GatewayResponse(response.statusCode ?? 502, responseHeaderList(response.rawHeaders), response, 'upstream'))
  })
  outgoing.on('upgrade', (response: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer) => {
    settled = true
    service.recordSuccess(target)
    tunnel(ex, response, upstreamSocket, upstreamHead)
  })
  ex.upstreamCall = { cancel: () => outgoing.destroy() }
  outgoing.end()
}

function tunnel(ex: Exchange, response: IncomingMessage, upstreamSocket: Socket, upstreamHead: Buffer): void {
  const res = ex.clientResponse
  const clientSocket = res.socket
  if (clientSocket === null || clientSocket.destroyed) {
    upstreamSocket.destroy()
    return
  }
  res.detachSocket(clientSocket)
  res.statusCode = 101
  ex.upstreamCall = { cancel: () => upstreamSocket.destroy() }
  let head = 'HTTP/1.1 101 Switching Protocols\r\n'
  const raw = response.rawHeaders
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    if (name === 'x-request-id' || (HOP_BY_HOP[name] === true && name !== 'connection' && name !== 'upgrade')) continue
    head += `${raw[i]}: ${raw[i + 1]}\r\n`
  }
  head += `x-request-id: ${ex.id}\r\n\r\n`
  clientSocket.write(head)
  if (upstreamHead.length > 0) clientSocket.write(upstreamHead)
  if (ex.upgradeHead !== undefined && ex.upgradeHead.length > 0) upstreamSocket.write(ex.upgradeHead)
  upstreamSocket.setNoDelay(true)
  upstreamSocket.setTimeout(0)
  clientSocket.setTimeout(0)
  const close = (): void => {
    clientSocket.destroy()
    upstreamSocket.destroy()
  }
  upstreamSocket.on('error', close).on('close', close)
  clientSocket.on('error', close).on('close', close)
  upstreamSocket.pipe(clientSocket)
  clientSocket.pipe(upstreamSocket)
}

function responseHeaderList(raw: readonly string[]): HeaderList {
  const out: string[] = []
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    if (HOP_BY_HOP[name] === true || name === 'x-request-id') continue
    out.push(name, raw[i + 1] as string)
  }
  return new HeaderList(out)
}
