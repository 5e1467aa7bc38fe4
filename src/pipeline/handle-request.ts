// The accept and route phases: pin the current snapshot, read the request line once, find the
// route, then hand over to the phases in run-exchange.ts. Also the entry for Upgrade requests.
import { ServerResponse, type IncomingMessage } from 'node:http'
import type { Duplex } from 'node:stream'
import { ClientRequest } from '../exchange/client-request.js'
import { Exchange, type ClientCertificate, type ClientInfo, type ListenerInfo } from '../exchange/exchange.js'
import type { TLSSocket } from 'node:tls'
import type { CidrSet } from '../exchange/cidr-set.js'
import { resolveClientIp } from '../exchange/client-address.js'
import { LocalReply } from '../exchange/local-reply.js'
import type { UpstreamRequest } from '../exchange/upstream-request.js'
import { normalizeHost } from '../routing/host-pattern.js'
import { normalizeTarget } from '../routing/normalize-path.js'
import type { GatewayRuntime } from '../runtime/runtime.js'
import { fail, finishExchange, reply, runExchange } from './run-exchange.js'

/** Builds the upstream request for an exchange (the proxy's job; injected to keep imports inward). */
export type UpstreamBuilder = (ex: Exchange) => UpstreamRequest

export interface RequestContext {
  readonly runtime: GatewayRuntime
  readonly listener: ListenerInfo
  readonly buildUpstream: UpstreamBuilder
}

/** How long an Upgrade may take until the upstream's 101 (or a refusal) is sent. */
const UPGRADE_HANDSHAKE_TIMEOUT_MS = 30_000

/** node:http 'request' handler. */
export function handleRequest(context: RequestContext, req: IncomingMessage, res: ServerResponse): void {
  const ex = acceptExchange(context, req, res)
  res.once('close', () => finishExchange(ex))
  try {
    routeAndRun(ex)
  } catch (error) {
    // A bug must cost this request, never the process (an uncaught throw ends every connection).
    failSafely(ex, error)
  }
}

function failSafely(ex: Exchange, error: unknown): void {
  try {
    fail(ex, error)
  } catch {
    ex.clientResponse.destroy()
  }
}

/**
 * node:http 'upgrade' handler. A ServerResponse is attached to the raw socket so refusals (401,
 * 404, 429...) are written as ordinary HTTP responses; a proxied upgrade detaches it again.
 */
export function handleUpgrade(context: RequestContext, req: IncomingMessage, socket: Duplex, head: Buffer): void {
  const res = new ServerResponse(req)
  res.shouldKeepAlive = false
  res.assignSocket(socket as import('node:net').Socket)
  const ex = acceptExchange(context, req, res)
  ex.upgradeHead = head
  // node:http hands the socket over without its error listener or timeout: a client reset (or an
  // EPIPE while we write a refusal) must not become an uncaught error, and a handshake that never
  // completes must not hold the socket forever. The tunnel clears the timeout once it is open.
  socket.on('error', () => socket.destroy())
  if ('setTimeout' in socket && typeof socket.setTimeout === 'function') socket.setTimeout(UPGRADE_HANDSHAKE_TIMEOUT_MS, () => socket.destroy())
  res.once('finish', () => socket.end())
  socket.once('close', () => finishExchange(ex))
  try {
    routeAndRun(ex)
  } catch (error) {
    failSafely(ex, error)
  }
}

function acceptExchange(context: RequestContext, req: IncomingMessage, res: ServerResponse): Exchange {
  const snapshot = context.runtime.current
  snapshot.acquire()
  const target = normalizeTarget(req.url ?? '/')
  const host = normalizeHost(req.headers.host ?? req.headers[':authority'] as string | undefined)
  const request = new ClientRequest(req, target?.path ?? '/', target?.query ?? '', host)
  const ex = new Exchange(snapshot, context.listener, clientInfo(req, context, snapshot.forwarding.trustedProxies), request, res, context.buildUpstream)
  if (target === undefined) ex.invalidTarget = true
  if (snapshot.tracer !== undefined) ex.trace = snapshot.tracer.start(headerValue(req, 'traceparent'), headerValue(req, 'tracestate'))
  return ex
}

function routeAndRun(ex: Exchange): void {
  const raw = ex.request.raw
  const limits = ex.snapshot.limits
  if ((raw.url?.length ?? 0) > limits.maxUrlLength) return reply(ex, LocalReply.fromCode('ERR_URI_TOO_LONG'))
  if (headerCount(raw) > limits.maxHeaderCount) return reply(ex, LocalReply.fromCode('ERR_HEADERS_TOO_LARGE', `More than ${limits.maxHeaderCount} header fields`))
  if (ex.invalidTarget) return reply(ex, LocalReply.fromCode('ERR_BAD_REQUEST', 'The request target is not a valid path'))
  const hostProblem = checkHost(raw)
  if (hostProblem !== undefined) return reply(ex, LocalReply.fromCode('ERR_BAD_REQUEST', hostProblem))
  const found = ex.snapshot.routes.match(ex.request)
  if (found.route === undefined) {
    if (found.allowedMethods !== undefined) {
      const allow = [...found.allowedMethods].join(', ')
      const refusal = LocalReply.fromCode('ERR_METHOD_NOT_ALLOWED', `Method ${ex.request.method} is not allowed here`)
      refusal.headers.allow = allow
      return reply(ex, refusal)
    }
    return reply(ex, LocalReply.fromCode('ERR_ROUTE_NOT_FOUND'))
  }
  ex.route = found.route
  ex.params = found.params
  runExchange(ex)
}

function clientInfo(req: IncomingMessage, context: RequestContext, trustedProxies: CidrSet): ClientInfo {
  const peer = stripMappedPrefix(req.socket.remoteAddress ?? '')
  const tls = context.listener.protocol === 'https'
  const ip = trustedProxies.size === 0 ? peer : resolveClientIp(peer, headerValue(req, 'x-forwarded-for'), headerValue(req, 'forwarded'), trustedProxies)
  return { ip, peerIp: peer, tls, certificate: tls ? verifiedCertificate(req.socket as TLSSocket) : undefined }
}

const VALID_HOST = /^([a-z0-9._~!$&'()*+,;=-]+|\[[0-9a-f:.]+\])(:\d{1,5})?$/i

/** Fields a request may carry once: a second line could be read one way here and another upstream. */
const SINGLETONS = new Set(['host', 'content-type', 'authorization'])

/**
 * RFC 9112 §3.2: an HTTP/1.1 request needs exactly one valid Host. Two Host lines would let the
 * route (first) and the upstream (another) see different hosts, so they are refused outright;
 * likewise a second Content-Type (policies inspect the first, the upstream may parse the last)
 * or Authorization.
 */
function checkHost(req: IncomingMessage): string | undefined {
  if (req.httpVersionMajor === 2) return undefined
  const raw = req.rawHeaders
  let hosts = 0
  let host = ''
  let seen: Set<string> | undefined
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string
    if (name.length !== 4 && name.length !== 12 && name.length !== 13) continue
    const lower = name.toLowerCase()
    if (!SINGLETONS.has(lower)) continue
    if (lower === 'host') {
      hosts++
      host = raw[i + 1] as string
    } else {
      seen ??= new Set()
      if (seen.has(lower)) return `More than one ${name} header`
      seen.add(lower)
    }
  }
  if (hosts > 1) return 'More than one Host header'
  if (hosts === 0) return req.httpVersionMinor === 1 ? 'An HTTP/1.1 request needs a Host header' : undefined
  return VALID_HOST.test(host) ? undefined : 'The Host header is not a valid host'
}

/** Header fields the client sent; HTTP/2 pseudo-headers (:method, :path...) are not counted. */
function headerCount(req: IncomingMessage): number {
  const raw = req.rawHeaders
  if (req.httpVersionMajor !== 2) return raw.length / 2
  let count = 0
  for (let i = 0; i < raw.length; i += 2) if ((raw[i] as string).charCodeAt(0) !== 58) count++
  return count
}

function headerValue(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name]
  return Array.isArray(value) ? value.join(', ') : value
}

/** The client certificate, if the TLS handshake verified one (mutual TLS). */
function verifiedCertificate(socket: TLSSocket): ClientCertificate | undefined {
  if (socket.authorized !== true || typeof socket.getPeerCertificate !== 'function') return undefined
  const peer = socket.getPeerCertificate()
  if (peer === null || peer.subject === undefined) return undefined
  const subject = Object.entries(peer.subject)
    .map(([key, value]) => (Array.isArray(value) ? value : [String(value)]).map((one) => `${key}=${escapeDnValue(one)}`).join('+'))
    .join(',')
  return { subject, fingerprint256: peer.fingerprint256 }
}

/**
 * RFC 4514 §2.4 escaping, so a CN of `alice,O=Admins` cannot pose as another attribute; characters
 * outside printable ASCII are percent-encoded so the subject can travel in a header.
 */
function escapeDnValue(value: string): string {
  const escaped = value.replace(/[,+"\\<>;=]/g, '\\$&').replace(/^[ #]|[ ]$/g, '\\$&')
  return /^[\x20-\x7e]*$/.test(escaped) ? escaped : encodeURIComponent(escaped)
}

/** `::ffff:10.0.0.1` (an IPv4 client on a dual-stack socket) → `10.0.0.1`. */
export function stripMappedPrefix(address: string): string {
  return address.startsWith('::ffff:') && address.includes('.') ? address.slice(7) : address
}
