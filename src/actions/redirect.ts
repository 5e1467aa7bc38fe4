// The redirect action: answers with a Location built from a template (captured params filled in)
// and the request's query carried over. 301/308 are permanent, 302/303/307 temporary (RFC 9110 §15.4).
import type { Exchange } from '../exchange/exchange.js'
import { LocalReply } from '../exchange/local-reply.js'
import type { RouteAction } from '../pipeline/compiled-route.js'
import { reply } from '../pipeline/run-exchange.js'
import type { PathParams } from '../routing/path-pattern.js'

export class RedirectAction implements RouteAction {
  readonly kind = 'redirect'
  readonly #status: number
  readonly #template: string
  readonly #pathRelative: boolean
  readonly #build: (params: PathParams) => string

  constructor(to: string, status = 302) {
    this.#status = status
    this.#template = to
    this.#pathRelative = to.startsWith('/') && !to.startsWith('//')
    const parts = to.split(/(:[A-Za-z_][A-Za-z0-9_]*|\*)/)
    this.#build = (params) => {
      let out = ''
      for (const part of parts) {
        if (part === '*') out += params['*'] ?? ''
        else if (part.startsWith(':') && /^:[A-Za-z_]/.test(part) && params[part.slice(1)] !== undefined) out += params[part.slice(1)]
        else out += part
      }
      return out
    }
  }

  handle(ex: Exchange): void {
    let location = this.#build(ex.params ?? {})
    // A path-relative target must stay on this host: a captured `//evil.example` or `/\\evil`
    // would otherwise make the browser leave it (an open redirect).
    if (this.#pathRelative) location = location.replace(/^[/\\]+/, '/')
    if (ex.request.query !== '') location += `${location.includes('?') ? '&' : '?'}${ex.request.query}`
    reply(ex, new LocalReply(this.#status, null, { location }))
  }

  describe(): string {
    return `redirect ${this.#status} to ${this.#template}`
  }
}
