// One JSON line per finished exchange: who asked what, which route and target answered, the
// status, the time it took, and the error code when it failed (never a stack trace or a secret).
import type { Exchange } from '../exchange/exchange.js'
import type { Logger } from './logger.js'

export class AccessLog {
  readonly #log: Logger

  constructor(log: Logger) {
    this.#log = log.child({ log: 'access' })
  }

  write(ex: Exchange, status: number): void {
    const entry: Record<string, unknown> = {
      requestId: ex.id,
      method: ex.request.method,
      host: ex.request.host,
      path: ex.request.path,
      status,
      durationMs: Math.round(ex.elapsedMs() * 100) / 100,
      clientIp: ex.client.ip,
      route: ex.route?.name,
    }
    if (ex.target !== undefined) {
      entry.upstream = ex.target
      entry.attempts = ex.attempts
    }
    if (ex.trace !== undefined) {
      entry.traceId = ex.trace.traceId
      entry.spanId = ex.trace.spanId
    }
    if (ex.error !== undefined) entry.error = ex.error.code
    if (ex.logDetail !== undefined) entry.reason = ex.logDetail
    if (ex.abortReason !== undefined) entry.aborted = ex.abortReason
    this.#log.info(entry)
  }
}
