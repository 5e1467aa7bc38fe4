// The admin API: a small node:http server on its own port (127.0.0.1 by default), apart from the
// traffic listeners. A fixed table maps path and method to a handler; with a token configured,
// every endpoint but the probes needs `Authorization: Bearer <token>`. Without one, only requests
// addressed to an IP address or localhost are served (a browser on a DNS-rebound name sends that
// name as Host), and bodies must have a type a cross-site form cannot send (no CSRF).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import { isIPv4, isIPv6, type AddressInfo, type Socket } from 'node:net'
import type { AdminConfig } from '../config/schema/root.js'
import type { Logger } from '../observability/logger.js'
import type { AdminBackend } from './admin-backend.js'
import { AdminError, errorReply, type AdminHandler, type AdminReply } from './admin-reply.js'
import { createBearerCheck } from './bearer-token.js'
import { getConfig, putConfig, validateConfig } from './handlers/config.js'
import { purgeCache } from './handlers/cache.js'
import { healthz, readyz } from './handlers/health.js'
import { scrapeMetrics } from './handlers/metrics.js'
import { listRoutes } from './handlers/routes.js'
import { listServices } from './handlers/services.js'

export const ADMIN_DEFAULTS = { host: '127.0.0.1', port: 9901 }
/** Largest request body (a config document or a purge request). */
const MAX_BODY_BYTES = 2 * 1024 * 1024

interface Endpoint {
  readonly handler: AdminHandler
  /**
   * Open without the token and to any Host: probes (kubelet, load balancers) cannot be given a
   * secret, and may address the pod by name.
   */
  readonly open?: boolean
  /**
   * The Content-Types a body must have, for endpoints that take one. None is a CORS "simple" type
   * (text/plain, form encodings), so a cross-site page cannot send it without a preflight.
   */
  readonly accepts?: ReadonlySet<string>
}

/** Media types of a YAML config document. */
export const YAML_TYPES: ReadonlySet<string> = new Set(['application/yaml', 'application/x-yaml', 'text/yaml', 'text/x-yaml'])
const JSON_TYPES: ReadonlySet<string> = new Set(['application/json'])

const ENDPOINTS: ReadonlyMap<string, Readonly<Record<string, Endpoint>>> = new Map<string, Record<string, Endpoint>>([
  ['/healthz', { GET: { handler: healthz, open: true } }],
  ['/readyz', { GET: { handler: readyz, open: true } }],
  ['/metrics', { GET: { handler: scrapeMetrics } }],
  ['/config', { GET: { handler: getConfig }, PUT: { handler: putConfig, accepts: YAML_TYPES } }],
  ['/config/validate', { POST: { handler: validateConfig, accepts: YAML_TYPES } }],
  ['/routes', { GET: { handler: listRoutes } }],
  ['/services', { GET: { handler: listServices } }],
  ['/cache/purge', { POST: { handler: purgeCache, accepts: JSON_TYPES } }],
])

export interface AdminServerOptions {
  readonly host: string
  readonly port: number
  readonly token: string | undefined
  readonly backend: AdminBackend
  readonly log: Logger
}

/** The admin server's settings from the `admin:` config block. */
export function adminOptions(config: AdminConfig, backend: AdminBackend, log: Logger): AdminServerOptions {
  return { host: config.host ?? ADMIN_DEFAULTS.host, port: config.port ?? ADMIN_DEFAULTS.port, token: config.token, backend, log: log.child({ component: 'admin' }) }
}

export class AdminServer {
  readonly #server: Server
  readonly #sockets = new Set<Socket>()

  private constructor(server: Server) {
    this.#server = server
    server.on('connection', (socket) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
  }

  static async start(options: AdminServerOptions): Promise<AdminServer> {
    const isAuthorized = options.token === undefined ? undefined : createBearerCheck(options.token)
    const server = createServer({ requestTimeout: 30_000, headersTimeout: 10_000 }, (req, res) => void handle(req, res, options, isAuthorized))
    const admin = new AdminServer(server)
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(options.port, options.host, () => {
        server.off('error', reject)
        resolve()
      })
    })
    if (isAuthorized === undefined && !isLoopback(options.host)) {
      options.log.warn({ host: options.host }, 'the admin API listens beyond loopback without a token; set admin.token')
    }
    options.log.info({ address: `${options.host}:${admin.address.port}`, auth: isAuthorized !== undefined }, 'admin API listening')
    return admin
  }

  get address(): AddressInfo {
    return this.#server.address() as AddressInfo
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const socket of this.#sockets) socket.destroy()
    await closed
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, options: AdminServerOptions, isAuthorized: ((header: string | undefined) => boolean) | undefined): Promise<void> {
  let reply: AdminReply
  try {
    reply = await dispatch(req, options, isAuthorized)
  } catch (error) {
    if (error instanceof AdminError) reply = errorReply(error.status, error.code, error.message)
    else {
      options.log.error({ err: error }, 'admin request failed')
      reply = errorReply(500, 'ERR_INTERNAL', 'Internal error in the admin API')
    }
  }
  if (res.destroyed) return
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': Buffer.byteLength(reply.body),
    'cache-control': 'no-store',
    ...reply.headers,
  })
  res.end(reply.body)
}

async function dispatch(req: IncomingMessage, options: AdminServerOptions, isAuthorized: ((header: string | undefined) => boolean) | undefined): Promise<AdminReply> {
  const path = (req.url ?? '/').split('?', 1)[0] as string
  const methods = ENDPOINTS.get(path)
  const method = req.method === 'HEAD' ? 'GET' : (req.method ?? 'GET')
  const endpoint = methods?.[method]
  if (isAuthorized !== undefined && endpoint?.open !== true && !isAuthorized(req.headers.authorization)) {
    req.resume()
    return errorReply(401, 'ERR_UNAUTHORIZED', 'Missing or invalid admin token', {}, { 'www-authenticate': 'Bearer realm="portico-admin"' })
  }
  // Without a token, a name in Host is how a DNS-rebinding page would reach us from a browser.
  if (isAuthorized === undefined && endpoint?.open !== true && !isLocalHost(req.headers.host)) {
    req.resume()
    return errorReply(
      403,
      'ERR_FORBIDDEN',
      `Without admin.token the admin API only answers requests addressed to an IP address or localhost, not Host ${JSON.stringify(req.headers.host)} (DNS rebinding protection); use the address, or set admin.token`,
    )
  }
  if (methods === undefined) return errorReply(404, 'ERR_NOT_FOUND', `No admin endpoint ${path}`)
  if (endpoint === undefined) {
    req.resume()
    return errorReply(405, 'ERR_METHOD_NOT_ALLOWED', `${req.method ?? ''} is not allowed on ${path}`, {}, { allow: Object.keys(methods).join(', ') })
  }
  if (endpoint.accepts !== undefined && !endpoint.accepts.has(mediaType(req.headers['content-type']))) {
    req.resume()
    const accepted = [...endpoint.accepts]
    return errorReply(
      415,
      'ERR_UNSUPPORTED_MEDIA_TYPE',
      `${method} ${path} needs Content-Type: ${accepted.length === 1 ? accepted[0] : `one of ${accepted.join(', ')}`}, found ${req.headers['content-type'] === undefined ? 'none' : JSON.stringify(req.headers['content-type'])}`,
    )
  }
  const body = method === 'GET' ? '' : await readBody(req)
  return endpoint.handler({ backend: options.backend, body, log: options.log })
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    req.on('data', (chunk: Buffer) => {
      size += chunk.length
      if (size > MAX_BODY_BYTES) {
        req.removeAllListeners('data')
        req.resume()
        reject(new AdminError(413, 'ERR_BODY_TOO_LARGE', `The body is larger than ${MAX_BODY_BYTES} bytes`))
        return
      }
      chunks.push(chunk)
    })
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')))
    req.on('error', reject)
  })
}

/** `Application/JSON; charset=utf-8` → `application/json`; '' when absent. */
function mediaType(contentType: string | undefined): string {
  if (contentType === undefined) return ''
  const semicolon = contentType.indexOf(';')
  return (semicolon === -1 ? contentType : contentType.slice(0, semicolon)).trim().toLowerCase()
}

/**
 * Whether a Host header names this machine by address or as `localhost`, with or without a port:
 * `127.0.0.1:9901`, `[::1]:9901`, `10.0.0.7`, `localhost`. A DNS name (`admin.example.com`,
 * `attacker.test`) is refused: a rebound name is the one thing the browser of a victim sends. No
 * Host at all (HTTP/1.0) comes from no browser, and is accepted.
 */
export function isLocalHost(host: string | undefined): boolean {
  if (host === undefined) return true
  let name: string
  let port: string
  if (host.startsWith('[')) {
    const close = host.indexOf(']')
    if (close === -1) return false
    name = host.slice(1, close)
    port = host.slice(close + 1)
    if (!isIPv6(name)) return false
  } else {
    const colon = host.indexOf(':')
    if (colon !== host.lastIndexOf(':')) return false // an IPv6 address must be in brackets
    name = colon === -1 ? host : host.slice(0, colon)
    port = colon === -1 ? '' : host.slice(colon)
    if (name.toLowerCase() !== 'localhost' && !isIPv4(name)) return false
  }
  return port === '' || /^:\d{1,5}$/.test(port)
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
