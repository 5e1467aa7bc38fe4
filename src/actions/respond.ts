// The respond action: a fixed reply configured on the route (maintenance pages, health stubs,
// `robots.txt`). The body is serialized once at config load.
import type { Exchange } from '../exchange/exchange.js'
import { LocalReply } from '../exchange/local-reply.js'
import type { RouteAction } from '../pipeline/compiled-route.js'
import { reply } from '../pipeline/run-exchange.js'

export interface RespondSpec {
  readonly status?: number
  readonly body?: unknown
  readonly headers?: Readonly<Record<string, string>>
}

export class RespondAction implements RouteAction {
  readonly kind = 'respond'
  readonly #status: number
  readonly #body: Buffer | null
  readonly #headers: Record<string, string>

  constructor(spec: RespondSpec) {
    this.#status = spec.status ?? 200
    const headers: Record<string, string> = {}
    for (const [name, value] of Object.entries(spec.headers ?? {})) headers[name.toLowerCase()] = value
    if (spec.body === undefined) this.#body = null
    else if (typeof spec.body === 'string') {
      this.#body = Buffer.from(spec.body)
      headers['content-type'] ??= 'text/plain; charset=utf-8'
    } else {
      this.#body = Buffer.from(JSON.stringify(spec.body))
      headers['content-type'] ??= 'application/json'
    }
    this.#headers = headers
  }

  handle(ex: Exchange): void {
    reply(ex, new LocalReply(this.#status, this.#body, { ...this.#headers }))
  }

  describe(): string {
    return `respond ${this.#status}`
  }
}
