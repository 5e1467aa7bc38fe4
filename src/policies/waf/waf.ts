// `waf`: a signature-based web application firewall with anomaly scoring, in the spirit of the
// OWASP Core Rule Set. Each matching rule adds its score (critical 5, warning 3, notice 2); a
// request whose total reaches `threshold` is refused with 403 ERR_WAF_BLOCKED (or only logged in
// `detect` mode). Path, query and selected headers are read synchronously; a body is read only
// with `inspectBody`, buffered up to `maxSize` and handed on to the upstream unchanged. A query or
// form past the parameter hard cap is refused in every mode (see PARAMETER_HARD_CAP_FACTOR).
import { GatewayError } from '../../errors.js'
import type { Exchange } from '../../exchange/exchange.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { definePolicy, type Policy } from '../../pipeline/policy.js'
import { bodyStream, bufferUpTo } from './body-buffer.js'
import { BodyTypes, DEFAULT_BODY_TYPES, type BodyKind } from './body-types.js'
import { WafEngine } from './engine.js'
import { DEFAULT_CUSTOM_MAX_LENGTH } from './custom-rules.js'
import { DEFAULT_BODY_MAX_SIZE, DEFAULT_MAX_PARAMETERS, DEFAULT_MAX_VALUE_LENGTH, DEFAULT_THRESHOLD, WafOptions } from './options.js'
import { RULE_GROUPS } from './rule.js'
import { Scan } from './signatures.js'

interface BodyInspection {
  readonly maxSize: number
  readonly types: BodyTypes
  readonly blockTooLarge: boolean
}

const TOO_LARGE = 'body not inspected (too large)'

export const waf = definePolicy({
  name: 'waf',
  stage: 'edge',
  options: WafOptions,
  create(options, env) {
    const engine = new WafEngine({
      groups: options.rules ?? RULE_GROUPS,
      exclude: options.exclude ?? [],
      maxValueLength: options.maxValueLength ?? DEFAULT_MAX_VALUE_LENGTH,
      maxParameters: options.maxParameters ?? DEFAULT_MAX_PARAMETERS,
      customMaxLength: options.customMaxLength ?? DEFAULT_CUSTOM_MAX_LENGTH,
      headers: options.headers ?? [],
      custom: options.custom ?? [],
    })
    const body: BodyInspection | undefined =
      options.inspectBody === undefined
        ? undefined
        : {
            maxSize: options.inspectBody.maxSize ?? DEFAULT_BODY_MAX_SIZE,
            types: new BodyTypes(options.inspectBody.contentTypes ?? DEFAULT_BODY_TYPES),
            blockTooLarge: options.inspectBody.onTooLarge === 'block',
          }
    const policy = new WafPolicy(engine, options.mode === 'detect', options.threshold ?? DEFAULT_THRESHOLD, body)
    env.log.debug({ route: env.routeName, mode: options.mode ?? 'block' }, 'waf ready')
    return policy
  },
})

/** The per-request side: small, everything it reads was compiled in create(). */
class WafPolicy implements Policy {
  readonly #engine: WafEngine
  readonly #detectOnly: boolean
  readonly #threshold: number
  readonly #body: BodyInspection | undefined

  constructor(engine: WafEngine, detectOnly: boolean, threshold: number, body: BodyInspection | undefined) {
    this.#engine = engine
    this.#detectOnly = detectOnly
    this.#threshold = threshold
    this.#body = body
  }

  onRequest(ex: Exchange): LocalReply | undefined | Promise<LocalReply | undefined> {
    // In block mode the scan stops at the threshold: the verdict cannot change, only the cost.
    const scan = new Scan(this.#detectOnly ? Number.POSITIVE_INFINITY : this.#threshold)
    this.#engine.inspectHead(ex.request, scan)
    const body = this.#body
    if (scan.done || body === undefined || !ex.request.hasBody) return this.#verdict(ex, scan, undefined)
    const kind = body.types.match(ex.request.header('content-type'))
    if (kind === undefined) return this.#verdict(ex, scan, undefined)
    const encoding = ex.request.header('content-encoding')
    if (encoding !== undefined && encoding.trim().toLowerCase() !== 'identity') {
      return this.#verdict(ex, scan, `body not inspected (content-encoding ${encoding.trim().toLowerCase().slice(0, 20)})`)
    }
    const declared = ex.request.header('content-length')
    if (declared !== undefined && Number(declared) > body.maxSize) return this.#tooLarge(ex, scan)
    return this.#inspectBody(ex, scan, body, kind)
  }

  async #inspectBody(ex: Exchange, scan: Scan, body: BodyInspection, kind: BodyKind): Promise<LocalReply | undefined> {
    const source = ex.upstreamRequest.body ?? ex.request.raw
    let buffered
    try {
      buffered = await bufferUpTo(source, body.maxSize)
    } catch (error) {
      ex.clientResponse.shouldKeepAlive = false
      // A refusal from a policy before this one (bodyLimit) keeps its own answer.
      if (error instanceof GatewayError) return LocalReply.error(error.status, error.code, error.message)
      ex.logDetail = `waf: request body could not be read (${(error as Error).message})`
      return LocalReply.fromCode('ERR_BAD_REQUEST', 'The request body could not be read')
    }
    if (!buffered.complete) {
      if (body.blockTooLarge) return this.#tooLarge(ex, scan)
      ex.upstreamRequest.body = buffered.stream
      return this.#verdict(ex, scan, TOO_LARGE)
    }
    ex.upstreamRequest.body = bodyStream(buffered.bytes)
    this.#engine.inspectBody(buffered.bytes.toString('utf8'), kind, scan)
    return this.#verdict(ex, scan, undefined)
  }

  /** A body above maxSize: refused (413) with `onTooLarge: block`, else forwarded uninspected. */
  #tooLarge(ex: Exchange, scan: Scan): LocalReply | undefined {
    const body = this.#body as BodyInspection
    const verdict = this.#verdict(ex, scan, TOO_LARGE)
    if (verdict !== undefined || !body.blockTooLarge || this.#detectOnly) return verdict
    // The rest of the body is not read: the connection cannot be reused.
    ex.clientResponse.shouldKeepAlive = false
    ex.logDetail = `waf: body above ${body.maxSize} bytes refused uninspected${scan.score > 0 ? ` (${scan.ruleIds()} score ${scan.score})` : ''}`
    return LocalReply.fromCode('ERR_BODY_TOO_LARGE', `The request body is larger than the ${body.maxSize} bytes the firewall inspects`)
  }

  /**
   * Refuses at the threshold in block mode, and a scan refused outright (past a hard cap) in every
   * mode; otherwise notes what matched and lets the request on.
   */
  #verdict(ex: Exchange, scan: Scan, note: string | undefined): LocalReply | undefined {
    const suffix = note === undefined ? '' : `; ${note}`
    if (scan.refusal !== undefined) {
      const matched = scan.score > 0 ? `; ${scan.ruleIds()} score ${scan.score}` : ''
      if (this.#detectOnly) {
        ex.log.warn({ waf: { mode: 'detect', refused: scan.refusal, score: scan.score, threshold: this.#threshold, rules: scan.hits } }, 'waf: request refused past a hard cap (even in detect mode)')
      }
      ex.logDetail = `waf: refused, ${scan.refusal}${matched}${suffix}`
      return LocalReply.fromCode('ERR_WAF_BLOCKED')
    }
    if (scan.score === 0) {
      if (note !== undefined) ex.logDetail = `waf: ${note}`
      return undefined
    }
    const summary = `${scan.ruleIds()} score ${scan.score}`
    const reached = scan.score >= this.#threshold
    if (this.#detectOnly) {
      ex.log.warn({ waf: { mode: 'detect', score: scan.score, threshold: this.#threshold, wouldBlock: reached, rules: scan.hits } }, 'waf: request matched rules (detect mode: let through)')
      ex.logDetail = `waf (detect): ${summary}${suffix}`
      return undefined
    }
    if (reached) {
      ex.logDetail = `waf: ${summary}${suffix}`
      return LocalReply.fromCode('ERR_WAF_BLOCKED')
    }
    ex.logDetail = `waf: ${summary} (below threshold ${this.#threshold})${suffix}`
    return undefined
  }
}
