// Answers requests node:http could not parse (RFC 9112 §2.2: a malformed message gets a 400) with
// the same JSON error shape as everything else, then closes: the connection's framing is unknown.
import { randomUUID } from 'node:crypto'
import type { Duplex } from 'node:stream'

const STATUS: Record<string, [number, string, string]> = {
  HPE_HEADER_OVERFLOW: [431, 'ERR_HEADERS_TOO_LARGE', 'Request header fields too large'],
  ERR_HTTP_REQUEST_TIMEOUT: [408, 'ERR_REQUEST_TIMEOUT', 'The request was not received in time'],
  HPE_URI_OVERFLOW: [414, 'ERR_URI_TOO_LONG', 'The request target is too long'],
}

const REASONS: Record<number, string> = { 400: 'Bad Request', 408: 'Request Timeout', 414: 'URI Too Long', 431: 'Request Header Fields Too Large' }

export function answerClientError(error: NodeJS.ErrnoException & { bytesParsed?: number }, socket: Duplex): void {
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy()
    return
  }
  const [status, code, message] = STATUS[error.code ?? ''] ?? [400, 'ERR_BAD_REQUEST', 'Malformed request']
  const body = JSON.stringify({ error: { code, message }, status, requestId: randomUUID() })
  socket.end(
    `HTTP/1.1 ${status} ${REASONS[status]}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`,
  )
}
