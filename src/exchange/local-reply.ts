// A reply the gateway writes itself (404, 403, 429, a cache hit...). Policies *return* one to stop
// the chain; errors become one too. Error replies share one JSON shape with the request id.
import { ERRORS, type ErrorCode } from '../errors.js'

export type ReplyBody = string | Buffer | null

export interface ReplyError {
  readonly code: string
  readonly message: string
}

/** What a policy returns to answer the request itself instead of forwarding it. */
export class LocalReply {
  readonly status: number
  readonly headers: Record<string, string>
  /** The body; for an error reply it is built when written, with the request id. */
  readonly body: ReplyBody
  /** Set for error replies: the JSON body's code and message (and the access log's error). */
  readonly error: ReplyError | undefined
  /** Headers as flat pairs, for replies that must keep repeated fields (a cached response). */
  flatHeaders: string[] | undefined = undefined

  constructor(status: number, body: ReplyBody = null, headers: Record<string, string> = {}, error?: ReplyError) {
    this.status = status
    this.body = body
    this.headers = headers
    this.error = error
  }

  /**
   * A JSON error reply: `{ "error": { code, message }, "status", "requestId" }`.
   * @example return LocalReply.error(403, 'ERR_FORBIDDEN', 'This consumer may not call this route')
   */
  static error(status: number, code: string, message: string, headers: Record<string, string> = {}): LocalReply {
    return new LocalReply(status, null, { ...headers, 'content-type': 'application/json' }, { code, message })
  }

  /** An error reply from the catalogue in `errors.ts`. */
  static fromCode(code: ErrorCode, message?: string): LocalReply {
    const entry = ERRORS[code]
    return LocalReply.error(entry.status, code, message ?? entry.message)
  }

  /** A reply with flat header pairs (repeated names kept), e.g. a response served from cache. */
  static withHeaderList(status: number, flatHeaders: string[], body: ReplyBody): LocalReply {
    const reply = new LocalReply(status, body)
    reply.flatHeaders = flatHeaders
    return reply
  }

  /** A JSON reply with a value body. */
  static json(status: number, value: unknown, headers: Record<string, string> = {}): LocalReply {
    return new LocalReply(status, JSON.stringify(value), { ...headers, 'content-type': 'application/json' })
  }
}

/** The JSON body of an error reply, with the request id that ties it to the access log. */
export function errorBody(status: number, error: ReplyError, requestId: string): string {
  return JSON.stringify({ error: { code: error.code, message: error.message }, status, requestId })
}
