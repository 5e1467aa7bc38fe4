// What every authentication policy answers and forwards the same way: a 401 with a challenge
// (RFC 9110 §11.6.1) whose reason goes to the access log only, a 403 for an authenticated
// caller who may not pass, and the consumer's identity sent upstream (never one the client sent).
import type { Consumer } from './consumer.js'
import type { Exchange } from './exchange.js'
import { LocalReply } from './local-reply.js'

/** 401 with a WWW-Authenticate challenge; `reason` is logged, never sent. */
export function unauthorized(ex: Exchange, challenge: string, reason: string): LocalReply {
  ex.logDetail = reason
  const reply = LocalReply.fromCode('ERR_UNAUTHORIZED')
  reply.headers['www-authenticate'] = challenge
  return reply
}

/** 403 for a known caller without the right; `reason` is logged, never sent. */
export function forbidden(ex: Exchange, reason: string): LocalReply {
  ex.logDetail = reason
  return LocalReply.fromCode('ERR_FORBIDDEN')
}

/**
 * Removes identity headers a client may have sent itself (`x-consumer`, `x-consumer-groups`,
 * forwarded claims), so only the gateway ever sets them. Call before checking credentials: a
 * request that passes unauthenticated (optional auth) must not carry a forged identity either.
 */
export function clearIdentityHeaders(ex: Exchange, names: readonly string[]): void {
  const headers = ex.upstreamRequest.headers
  for (const name of names) headers.delete(name)
}

/** Sends the consumer's name (and groups) upstream, replacing anything the client sent. */
export function forwardConsumer(ex: Exchange, header: string, consumer: Consumer): void {
  const headers = ex.upstreamRequest.headers
  headers.set(header, headerSafe(consumer.name))
  if (consumer.groups.size > 0) headers.set(`${header}-groups`, headerSafe([...consumer.groups].join(',')))
  else headers.delete(`${header}-groups`)
}

/**
 * A value as it may travel in a header: printable ASCII as is; anything else (a JWT `sub` in
 * another script, a control character) percent-encoded as UTF-8, never an unsendable request.
 */
export function headerSafe(value: string): string {
  return /^[\x20-\x7e\t]*$/.test(value) ? value : encodeURIComponent(value)
}
