// One HTTP exchange, from accept to the last byte: the object every phase, action and policy
// works on. A class with a fixed shape (fast property access); costly parts are made lazily.
import { randomUUID } from 'node:crypto'
import type { ServerResponse } from 'node:http'
import type { CompiledRoute } from '../pipeline/compiled-route.js'
import type { Logger } from '../observability/logger.js'
import type { TraceContext } from '../observability/trace-context.js'
import type { PathParams } from '../routing/path-pattern.js'
import type { Snapshot } from '../runtime/snapshot.js'
import type { ClientRequest } from './client-request.js'
import { ExchangeState } from './exchange-state.js'
import type { GatewayResponse } from './gateway-response.js'
import type { ReplyError } from './local-reply.js'
import type { UpstreamRequest } from './upstream-request.js'

/** Who is on the other end of the connection, as far as the gateway can tell. */
export interface ClientInfo {
  /** The client address: the peer, or from forwarding headers when the peer is a trusted proxy. */
  readonly ip: string
  /** The TCP peer address, whoever it is. */
  readonly peerIp: string
  readonly tls: boolean
  /** The verified client certificate (mutual TLS), when there is one. */
  readonly certificate: ClientCertificate | undefined
}

export interface ClientCertificate {
  /** The subject as `CN=alice,O=Acme`. */
  readonly subject: string
  readonly fingerprint256: string
}

/** Work on behalf of the exchange that must stop when the client goes away. */
export interface Cancellable {
  cancel(reason: Error): void
}

/** The listener that accepted the exchange. */
export interface ListenerInfo {
  readonly name: string
  readonly protocol: 'http' | 'https'
  readonly port: number
  /** Lower-case header that carries the verified client certificate subject upstream. */
  readonly clientSubjectHeader: string | undefined
}

const VALID_REQUEST_ID = /^[A-Za-z0-9._:+=/-]{1,128}$/

export class Exchange {
  readonly id: string
  /** performance.now() at accept, for durations. */
  readonly startedAt: number
  readonly snapshot: Snapshot
  readonly listener: ListenerInfo
  readonly client: ClientInfo
  readonly request: ClientRequest
  /** The node:http response the gateway writes to. */
  readonly clientResponse: ServerResponse
  route: CompiledRoute | undefined = undefined
  params: PathParams | undefined = undefined
  response: GatewayResponse | undefined = undefined
  /** The upstream target URL of the last attempt, for logs. */
  target: string | undefined = undefined
  attempts = 0
  /** The error this exchange ended with, for the access log (never sent as a stack trace). */
  error: ReplyError | undefined = undefined
  /** Why a policy refused or failed the request, for the access log only (never sent to the client). */
  logDetail: string | undefined = undefined
  /** Why the exchange ended early, when it did (`client-abort`, `upstream-abort`). */
  abortReason: string | undefined = undefined
  /** How many chain policies ran `onRequest` (they get `onFinish`). */
  entered = 0
  /** Index of the policy that answered with a local reply, or -1; `onResponse` runs outside it. */
  stoppedAt = -1
  /** Set by the proxy while an upstream request is in flight, so a client abort can cancel it. */
  upstreamCall: Cancellable | undefined = undefined
  finished = false
  /**
   * Upstream failures of an action that calls several services (aggregate), one per failed call,
   * for metrics; a proxy's single failure is `error` instead.
   */
  upstreamFailures: Array<{ readonly service: string; readonly code: string }> | undefined = undefined
  /** The W3C trace this exchange belongs to, when tracing is on. */
  trace: TraceContext | undefined = undefined
  /** The request-target could not be read as a path; the exchange is answered 400. */
  invalidTarget = false
  /** For an Upgrade request: the first bytes of the upgraded stream, read with the head. */
  upgradeHead: Buffer | undefined = undefined
  #upstream: UpstreamRequest | undefined = undefined
  #state: ExchangeState | undefined = undefined
  #log: Logger | undefined = undefined
  readonly #buildUpstream: (ex: Exchange) => UpstreamRequest

  constructor(
    snapshot: Snapshot,
    listener: ListenerInfo,
    client: ClientInfo,
    request: ClientRequest,
    response: ServerResponse,
    buildUpstream: (ex: Exchange) => UpstreamRequest,
  ) {
    this.startedAt = performance.now()
    this.snapshot = snapshot
    this.listener = listener
    this.client = client
    this.request = request
    this.clientResponse = response
    this.#buildUpstream = buildUpstream
    const given = request.raw.headers['x-request-id']
    this.id = typeof given === 'string' && VALID_REQUEST_ID.test(given) ? given : randomUUID()
  }

  /** The request as it will be sent upstream; built on first use (proxy routes and policies). */
  get upstreamRequest(): UpstreamRequest {
    this.#upstream ??= this.#buildUpstream(this)
    return this.#upstream
  }

  /** Whether the upstream request was built (policies may edit it before the action). */
  get hasUpstreamRequest(): boolean {
    return this.#upstream !== undefined
  }

  /** Typed per-exchange slots shared between policies (the consumer, a cache key...). */
  get state(): ExchangeState {
    this.#state ??= new ExchangeState()
    return this.#state
  }

  /** A logger bound to this request id. */
  get log(): Logger {
    this.#log ??= this.snapshot.log.child({ requestId: this.id })
    return this.#log
  }

  /** Milliseconds since accept. */
  elapsedMs(): number {
    return performance.now() - this.startedAt
  }
}
