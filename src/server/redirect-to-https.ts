// `redirectToHttps`: a plain listener that sends every request to the https:// URL of the same
// host and path with a 308, which keeps the method and body (RFC 9110 §15.4.9).
import { randomUUID } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { normalizeHost } from '../routing/host-pattern.js'

export function redirectToHttps(req: IncomingMessage, res: ServerResponse, port: number | undefined): void {
  const host = normalizeHost(req.headers.host)
  if (host === '' || !/^[a-z0-9.-]+$|^\[[0-9a-f:.]+\]$/.test(host)) {
    const requestId = randomUUID()
    res.writeHead(400, { 'content-type': 'application/json', 'x-request-id': requestId })
    res.end(JSON.stringify({ error: { code: 'ERR_BAD_REQUEST', message: 'A valid Host header is needed to redirect to https' }, status: 400, requestId }))
    return
  }
  const target = req.url?.startsWith('/') ? req.url : '/'
  const authority = port === undefined || port === 443 ? host : `${host}:${port}`
  res.writeHead(308, { location: `https://${authority}${target}`, 'content-length': '0' })
  res.end()
}
