// Builds the request the proxy sends upstream from the client's: hop-by-hop headers removed
// (RFC 9110 §7.6.1), forwarding headers set (X-Forwarded-*, RFC 7239 Forwarded, Via), the
// request id added, and the path rewritten. Incoming forwarding headers are kept (and appended
// to) only when the peer is a trusted proxy; from anyone else they are replaced, so a client
// cannot forge the address a service sees.
import type { Exchange } from '../../exchange/exchange.js'
import { HeaderList } from '../../exchange/header-list.js'
import type { UpstreamRequest } from '../../exchange/upstream-request.js'
import { connectionListed, HOP_BY_HOP, removeListed } from './hop-by-hop.js'
import { formatTraceparent } from '../../observability/trace-context.js'

const FORWARDING: Readonly<Record<string, true>> = Object.assign(Object.create(null) as Record<string, true>, {
  'x-forwarded-for': true,
  'x-forwarded-proto': true,
  'x-forwarded-host': true,
  'x-forwarded-port': true,
  forwarded: true,
  // Other names services read the client address from: only a trusted proxy may send them.
  'x-real-ip': true,
  'true-client-ip': true,
})

export function buildUpstreamRequest(ex: Exchange): UpstreamRequest {
  const req = ex.request.raw
  const raw = req.rawHeaders
  const out: string[] = []
  const trusted = ex.snapshot.forwarding.trustedProxies.has(ex.client.peerIp)
  let listed: readonly string[] | undefined
  let hostHeader = ''
  let xff: string | undefined
  let xfProto: string | undefined
  let xfHost: string | undefined
  let forwarded: string | undefined
  let via: string | undefined
  const subjectHeader = ex.listener.clientSubjectHeader
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase()
    const value = raw[i + 1] as string
    // HTTP/2 pseudo-headers (:method, :path, :authority, :scheme) become the HTTP/1.1 request line.
    if (name.charCodeAt(0) === 58 /* : */) continue
    if (HOP_BY_HOP[name] === true) {
      if (name === 'connection') listed = connectionListed(value)
      continue
    }
    // A name with "_" is dropped, as nginx does: CGI-style servers map "X_Consumer" and
    // "X-Consumer" to the same variable, which would let a client slip past our header rules.
    if (name.includes('_')) continue
    if (FORWARDING[name] === true) {
      if (trusted) {
        if (name === 'x-forwarded-for') xff = xff === undefined ? value : `${xff}, ${value}`
        else if (name === 'forwarded') forwarded = forwarded === undefined ? value : `${forwarded}, ${value}`
        else if (name === 'x-forwarded-proto') xfProto = value
        else if (name === 'x-forwarded-host') xfHost = value
      }
      continue
    }
    switch (name) {
      case 'host':
        hostHeader = value
        continue
      case 'via':
        via = via === undefined ? value : `${via}, ${value}`
        continue
      case 'x-request-id':
      case 'expect': // the gateway already answered 100-continue itself
        continue
      case 'traceparent':
        // With tracing on, the upstream's parent is the gateway's span, not the caller's.
        if (ex.trace !== undefined) continue
        out.push(name, value)
        continue
      case 'tracestate':
        // W3C: a tracestate without a valid traceparent belongs to no trace; drop it when the
        // gateway started a new one.
        if (ex.trace !== undefined && ex.trace.parentSpanId === undefined) continue
        out.push(name, value)
        continue
      default:
        // A client must never supply the header that carries the verified certificate subject.
        if (name !== subjectHeader) out.push(name, value)
    }
  }
  if (listed !== undefined && listed.length > 0) removeListed(out, listed)
  if (hostHeader === '') hostHeader = (req.headers[':authority'] as string | undefined) ?? ''

  const route = ex.route
  if (route?.preserveHost === true && hostHeader !== '') out.push('host', hostHeader)
  const certificate = ex.client.certificate
  if (subjectHeader !== undefined && certificate !== undefined) out.push(subjectHeader, certificate.subject)
  const peer = ex.client.peerIp
  const proto = ex.listener.protocol
  out.push(
    'x-forwarded-for', xff === undefined ? peer : `${xff}, ${peer}`,
    'x-forwarded-proto', xfProto ?? proto,
    'x-forwarded-host', xfHost ?? hostHeader,
    'forwarded', forwardedElement(forwarded, peer, hostHeader, proto),
    'via', via === undefined ? viaEntry(req.httpVersion) : `${via}, ${viaEntry(req.httpVersion)}`,
    'x-real-ip', ex.client.ip,
    'x-request-id', ex.id,
  )
  if (ex.trace !== undefined) out.push('traceparent', formatTraceparent(ex.trace))
  const path = route === undefined ? ex.request.path : route.rewrite(ex.request.path, ex.params ?? {})
  return {
    method: ex.request.method,
    path: ex.request.query === '' ? path : `${path}?${ex.request.query}`,
    headers: new HeaderList(out),
  }
}

/** One RFC 7239 element for this hop, appended to what trusted proxies sent. */
function forwardedElement(previous: string | undefined, peer: string, host: string, proto: string): string {
  // RFC 7239 §6: IPv6 addresses are bracketed and the value quoted.
  const node = peer.includes(':') ? `"[${peer}]"` : peer
  let element = `for=${node};proto=${proto}`
  if (host !== '') element += `;host=${/^[A-Za-z0-9.:-]+$/.test(host) ? host : JSON.stringify(host)}`
  return previous === undefined ? element : `${previous}, ${element}`
}

function viaEntry(httpVersion: string): string {
  return httpVersion === '1.1' ? '1.1 portico' : `${httpVersion === '2.0' ? '2' : httpVersion} portico`
}
