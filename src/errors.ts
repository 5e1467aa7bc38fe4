// The one catalogue of error codes Portico answers with. A code is stable (clients and alerts key
// on it); the status follows RFC 9110 §15 for a gateway: 502 bad upstream, 503 none available,
// 504 upstream too slow.

export const ERRORS = {
  ERR_ROUTE_NOT_FOUND: { status: 404, message: 'No route matches this request' },
  ERR_NOT_FOUND: { status: 404, message: 'No such file' },
  ERR_PRECONDITION_FAILED: { status: 412, message: 'The resource does not match the request preconditions' },
  ERR_RANGE_NOT_SATISFIABLE: { status: 416, message: 'The range is outside the resource' },
  ERR_RATE_LIMITED: { status: 429, message: 'Too many requests; retry later' },
  ERR_CORS_FORBIDDEN: { status: 403, message: 'This cross-origin request is not allowed' },
  ERR_WAF_BLOCKED: { status: 403, message: 'The request was blocked by the web application firewall' },
  ERR_RATE_LIMIT_UNAVAILABLE: { status: 503, message: 'Rate limiting is temporarily unavailable' },
  ERR_BAD_REQUEST: { status: 400, message: 'Malformed request' },
  ERR_METHOD_NOT_ALLOWED: { status: 405, message: 'This method is not allowed here' },
  ERR_REQUEST_TIMEOUT: { status: 408, message: 'The request was not received in time' },
  ERR_HEADERS_TOO_LARGE: { status: 431, message: 'Request header fields too large' },
  ERR_URI_TOO_LONG: { status: 414, message: 'The request target is too long' },
  ERR_BODY_TOO_LARGE: { status: 413, message: 'The request body is too large' },
  ERR_UNAUTHORIZED: { status: 401, message: 'Missing or invalid credentials' },
  ERR_FORBIDDEN: { status: 403, message: 'Access to this resource is forbidden' },
  ERR_INTERNAL: { status: 500, message: 'Internal gateway error' },
  ERR_UNSENDABLE_REQUEST: { status: 500, message: 'The request could not be forwarded: a header value cannot be sent' },
  ERR_UPSTREAM_CONNECT: { status: 502, message: 'Could not connect to the upstream service' },
  ERR_UPSTREAM_RESET: { status: 502, message: 'The upstream service closed the connection' },
  ERR_UPSTREAM_TLS: { status: 502, message: 'The TLS connection to the upstream service failed' },
  ERR_UPSTREAM_PROTOCOL: { status: 502, message: 'The upstream service sent an invalid response' },
  ERR_UPSTREAM_STATUS: { status: 502, message: 'The upstream service answered with an error status' },
  ERR_UPSTREAM_NOT_JSON: { status: 502, message: 'The upstream service did not answer with JSON' },
  ERR_UPSTREAM_BODY_TOO_LARGE: { status: 502, message: 'The upstream answer is larger than allowed' },
  ERR_AGGREGATE_FIELD: { status: 502, message: 'A value another call needs is missing from an upstream answer' },
  ERR_DEPENDENCY_FAILED: { status: 424, message: 'A call this one needs failed' },
  ERR_NO_HEALTHY_UPSTREAM: { status: 503, message: 'No healthy upstream target is available' },
  ERR_CIRCUIT_OPEN: { status: 503, message: 'The upstream service is unavailable (circuit open)' },
  ERR_UPSTREAM_TIMEOUT: { status: 504, message: 'The upstream service did not answer in time' },
} as const satisfies Record<string, { status: number; message: string }>

export type ErrorCode = keyof typeof ERRORS

/** An error that carries a catalogue code; thrown on upstream failures, turned into a JSON reply. */
export class GatewayError extends Error {
  readonly code: ErrorCode
  readonly status: number
  constructor(code: ErrorCode, detail?: string, options?: { cause?: unknown }) {
    super(detail ?? ERRORS[code].message, options)
    this.name = 'GatewayError'
    this.code = code
    this.status = ERRORS[code].status
  }
}
