// What an admin handler returns, and the error it may throw. Admin errors use the gateway's error
// shape (`{ error: { code, message } }`) so one client can read both.
import type { Logger } from '../observability/logger.js'
import type { AdminBackend } from './admin-backend.js'

export interface AdminReply {
  readonly status: number
  readonly contentType: string
  readonly body: string
  readonly headers?: Readonly<Record<string, string>>
}

export interface AdminContext {
  readonly backend: AdminBackend
  /** The request body as text ('' for GET). */
  readonly body: string
  readonly log: Logger
}

export type AdminHandler = (context: AdminContext) => AdminReply | Promise<AdminReply>

export function jsonReply(status: number, value: unknown, headers?: Record<string, string>): AdminReply {
  return { status, contentType: 'application/json', body: `${JSON.stringify(value, null, 2)}\n`, ...(headers ? { headers } : {}) }
}

export function errorReply(status: number, code: string, message: string, extra: Record<string, unknown> = {}, headers?: Record<string, string>): AdminReply {
  return jsonReply(status, { error: { code, message }, ...extra }, headers)
}

/** An expected refusal from deep inside a handler or backend (a worker did not answer, bad JSON). */
export class AdminError extends Error {
  readonly status: number
  readonly code: string
  constructor(status: number, code: string, message: string) {
    super(message)
    this.name = 'AdminError'
    this.status = status
    this.code = code
  }
}
