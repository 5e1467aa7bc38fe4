// Maps what went wrong talking to an upstream to the gateway's error catalogue: cannot connect or
// connection reset → 502, too slow → 504. Codes come from undici and Node's net/tls layers.
import type { ErrorCode } from '../../errors.js'

const TIMEOUTS = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ERR_UPSTREAM_TIMEOUT'])
const CONNECT = new Set(['ECONNREFUSED', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EADDRNOTAVAIL'])
const RESET = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED', 'ECONNABORTED'])

/** undici refused to build the request (a header value it may not send): no upstream was involved. */
export function isLocalRequestError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return code === 'UND_ERR_INVALID_ARG' || code === 'UND_ERR_NOT_SUPPORTED'
}

export function classifyUpstreamError(error: unknown): ErrorCode {
  const code = (error as { code?: unknown } | null)?.code
  if (typeof code !== 'string') return 'ERR_UPSTREAM_RESET'
  if (isLocalRequestError(error)) return 'ERR_UNSENDABLE_REQUEST'
  if (TIMEOUTS.has(code)) return 'ERR_UPSTREAM_TIMEOUT'
  if (CONNECT.has(code)) return 'ERR_UPSTREAM_CONNECT'
  if (RESET.has(code)) return 'ERR_UPSTREAM_RESET'
  if (code.startsWith('HPE_') || code === 'UND_ERR_RES_CONTENT_LENGTH_MISMATCH' || code === 'UND_ERR_HEADERS_OVERFLOW') return 'ERR_UPSTREAM_PROTOCOL'
  // OpenSSL verification codes (UNABLE_TO_VERIFY_LEAF_SIGNATURE, CERT_HAS_EXPIRED, ...) and Node's TLS errors.
  if (/CERT|SIGNATURE|ISSUER|^ERR_TLS|^ERR_SSL/.test(code)) return 'ERR_UPSTREAM_TLS'
  return 'ERR_UPSTREAM_RESET'
}
