// One listening socket: a node:http server with the client-side limits (header and request
// timeouts, header size), the request and upgrade handlers, and a graceful close that stops
// accepting, lets in-flight exchanges finish and then closes what is left.
import { createServer, type Server } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import type { Duplex } from 'node:stream'
import { handleRequest, handleUpgrade, type RequestContext } from '../pipeline/handle-request.js'
import { answerClientError } from './client-error.js'

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

export interface ListenerSpec {
  readonly name: string
  readonly host: string
  readonly port: number
}

export class Listener {
  readonly spec: ListenerSpec
  readonly server: Server
  /** Upgraded (WebSocket) sockets: node:http no longer tracks them, so we do, to close them. */
  readonly #tunnels = new Set<Duplex>()
  /** Shared with every exchange of this listener; the port is filled in once bound. */
  readonly #info: { name: string; protocol: 'http' | 'https'; port: number }
  #draining = false

  constructor(spec: ListenerSpec, limits: ServerLimits, context: Omit<RequestContext, 'listener'>) {
    this.spec = spec
    this.#info = { name: spec.name, protocol: 'http', port: spec.port }
    const server = createServer({
      headersTimeout: limits.headerTimeoutMs,
      requestTimeout: limits.requestTimeoutMs,
      keepAliveTimeout: limits.keepAliveTimeoutMs,
      maxHeaderSize: limits.maxHeaderSize,
      connectionsCheckingInterval: Math.min(1000, limits.headerTimeoutMs),
      noDelay: true,
      requireHostHeader: false,
    })
    const requestContext: RequestContext = { ...context, listener: this.#info }
    server.on('request', (req, res) => {
      // While draining, tell keep-alive clients to reconnect elsewhere after this response.
      if (this.#draining) res.shouldKeepAlive = false
      handleRequest(requestContext, req, res)
    })
    server.on('upgrade', (req, socket: Duplex, head: Buffer) => {
      this.#tunnels.add(socket)
      socket.once('close', () => this.#tunnels.delete(socket))
      handleUpgrade(requestContext, req, socket, head)
    })
    server.on('clientError', answerClientError)
    this.server = server
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
    this.server.closeIdleConnections()
  }

  /** Closes keep-alive connections that went idle since the last call (used while draining). */
  closeIdle(): void {
    this.server.closeIdleConnections()
  }

  /** Ends everything still open (the drain timeout passed). */
  destroyAll(): void {
    this.server.closeAllConnections()
    for (const socket of this.#tunnels) socket.destroy()
  }
}

export type { Socket }
