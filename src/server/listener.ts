// One listening socket: plain HTTP/1.1, HTTPS, or HTTPS with HTTP/2 by ALPN (HTTP/1.1 on the same
// port). It applies the client-side limits (header and request timeouts, header size), routes
// 'request' and 'upgrade' events into the pipeline, and closes gracefully: stop accepting, let
// in-flight exchanges finish, then close what is left.
import { createServer as createHttpServer, type IncomingMessage, type Server as HttpServer, type ServerOptions, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { constants as http2Constants, createSecureServer, type Http2SecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2'
import type { AddressInfo } from 'node:net'
import type { Duplex } from 'node:stream'
import type { TLSSocket } from 'node:tls'
import { handleRequest, handleUpgrade, type RequestContext } from '../pipeline/handle-request.js'
import type { CertificateStore } from './certificate-store.js'
import { answerClientError } from './client-error.js'
import { redirectToHttps } from './redirect-to-https.js'

const NGHTTP2_CANCEL = http2Constants.NGHTTP2_CANCEL

export interface ServerLimits {
  readonly headerTimeoutMs: number
  readonly requestTimeoutMs: number
  readonly keepAliveTimeoutMs: number
  readonly maxHeaderSize: number
}

export const SERVER_DEFAULTS: ServerLimits = {
  headerTimeoutMs: 10_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 5_000,
  maxHeaderSize: 16 * 1024,
}

export interface ListenerTls {
  readonly certificates: CertificateStore
  readonly http2: boolean
  readonly clientCertificate: 'required' | 'optional' | undefined
  readonly forwardClientSubject: string | undefined
}

export interface ListenerSpec {
  readonly name: string
  readonly host: string
  readonly port: number
  readonly tls?: ListenerTls
  /** Answer everything with a redirect to https (port undefined: the same host, default port). */
  readonly redirectToHttps?: { readonly port: number | undefined }
}

type AnyServer = HttpServer | Http2SecureServer

export class Listener {
  readonly spec: ListenerSpec
  readonly server: AnyServer
  /** Upgraded (WebSocket) sockets: node:http no longer tracks them, so we do, to close them. */
  readonly #tunnels = new Set<Duplex>()
  /** Open connections, for draining servers (HTTP/2) that have no closeIdleConnections. */
  readonly #sockets = new Set<Duplex>()
  /** Shared with every exchange of this listener; the port is filled in once bound. */
  readonly #info: { name: string; protocol: 'http' | 'https'; port: number; clientSubjectHeader: string | undefined }
  #draining = false

  constructor(spec: ListenerSpec, limits: ServerLimits, context: Omit<RequestContext, 'listener'>) {
    this.spec = spec
    this.#info = { name: spec.name, protocol: spec.tls ? 'https' : 'http', port: spec.port, clientSubjectHeader: spec.tls?.forwardClientSubject?.toLowerCase() }
    const requestContext: RequestContext = { ...context, listener: this.#info }
    const onRequest = (req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void => {
      // The HTTP/2 compatibility objects offer the members the pipeline uses (headers, rawHeaders,
      // url, method, socket; writeHead with a flat array, write, end, 'drain', 'close').
      const request = req as IncomingMessage
      const response = res as ServerResponse
      if (spec.redirectToHttps) return redirectToHttps(request, response, spec.redirectToHttps.port)
      // While draining, tell keep-alive clients to reconnect elsewhere after this response.
      if (this.#draining) response.shouldKeepAlive = false
      handleRequest(requestContext, request, response)
    }
    const http1Options: ServerOptions = {
      headersTimeout: limits.headerTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderSize,
      connectionsCheckingInterval: Math.min(1000, limits.headerTimeoutMs),
      noDelay: true,
      requireHostHeader: false,
    }
    this.server = createServerFor(spec, http1Options, limits)
    this.server.on('request', onRequest)
    this.server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
      this.#tunnels.add(socket)
      socket.once('close', () => this.#tunnels.delete(socket))
      handleUpgrade(requestContext, req, socket, head)
    })
    this.server.on('clientError', answerClientError)
    this.server.on('tlsClientError', (_error: Error, socket: TLSSocket) => socket.destroy())
    this.server.on(spec.tls ? 'secureConnection' : 'connection', (socket: Duplex) => {
      this.#sockets.add(socket)
      socket.once('close', () => this.#sockets.delete(socket))
    })
    spec.tls?.certificates.watch((options) => {
      if ('setSecureContext' in this.server) this.server.setSecureContext(options)
    })
  }

  /** Starts listening; resolves with the bound address (useful with port 0). */
  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.spec.port, this.spec.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    const address = this.server.address() as AddressInfo
    this.#info.port = address.port
    return address
  }

  get address(): AddressInfo | undefined {
    const address = this.server.address()
    return address !== null && typeof address === 'object' ? address : undefined
  }

  /** Stops accepting; idle keep-alive connections close now, busy ones when their exchange ends. */
  stopAccepting(): void {
    this.#draining = true
    this.server.close()
    this.closeIdle()
  }

  /** Closes keep-alive connections that went idle since the last call (used while draining). */
  closeIdle(): void {
    if ('closeIdleConnections' in this.server) this.server.closeIdleConnections()
  }

  /** Ends everything still open (the drain timeout passed, or draining finished). */
  destroyAll(): void {
    if ('closeAllConnections' in this.server) this.server.closeAllConnections()
    for (const socket of this.#sockets) socket.destroy()
    for (const socket of this.#tunnels) socket.destroy()
    this.spec.tls?.certificates.close()
  }
}

function createServerFor(spec: ListenerSpec, http1Options: ServerOptions, limits: ServerLimits): AnyServer {
  const tls = spec.tls
  if (tls === undefined) return createHttpServer(http1Options)
  const tlsOptions = {
    ...tls.certificates.defaultOptions,
    SNICallback: tls.certificates.sniCallback,
    requestCert: tls.clientCertificate !== undefined,
    rejectUnauthorized: tls.clientCertificate === 'required',
  }
  if (!tls.http2) return createHttpsServer({ ...http1Options, ...tlsOptions })
  const server = createSecureServer({
    ...tlsOptions,
    allowHTTP1: true,
    maxSendHeaderBlockLength: limits.maxHeaderSize,
    settings: { maxHeaderListSize: limits.maxHeaderSize },
  })
  // HTTP/1.1 connections on an HTTP/2 server use these node:http limits.
  Object.assign(server, { headersTimeout: limits.headerTimeoutMs, requestTimeout: limits.requestTimeoutMs, keepAliveTimeout: limits.keepAliveTimeoutMs })
  // HTTP/2 has no header or request timeout of its own: an idle session, or a stream that stalls
  // (a client dribbling frames), is closed after the request timeout without activity.
  server.setTimeout(limits.requestTimeoutMs)
  server.on('stream', (stream) => stream.setTimeout(limits.requestTimeoutMs, () => stream.close(NGHTTP2_CANCEL)))
  return server
}
