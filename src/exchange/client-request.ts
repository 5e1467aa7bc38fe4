// The client's side of an exchange: method, normalized path, query and host read once from the
// node:http request; query parameters and header lookups are parsed lazily, only if asked for.
import type { IncomingMessage } from 'node:http'
import type { Http2ServerRequest } from 'node:http2'

export class ClientRequest {
  readonly raw: IncomingMessage
  readonly method: string
  /** The normalized path routes matched (dot segments removed), without the query. */
  readonly path: string
  /** The raw query without `?`; '' when absent. */
  readonly query: string
  /** Lower-case host without port, from Host (HTTP/1.1) or :authority (HTTP/2). */
  readonly host: string
  #searchParams: URLSearchParams | undefined

  constructor(raw: IncomingMessage, path: string, query: string, host: string) {
    this.raw = raw
    this.method = raw.method ?? 'GET'
    this.path = path
    this.query = query
    this.host = host
  }

  /** Host and port as the client addressed them (Host, or :authority), lower-cased. */
  get authority(): string {
    const value = this.raw.headers.host ?? (this.raw.headers[':authority'] as string | undefined) ?? ''
    return value.toLowerCase()
  }

  /** The first value of a header (name in lower case). */
  header(name: string): string | undefined {
    const value = this.raw.headers[name]
    return Array.isArray(value) ? value.join(', ') : value
  }

  get searchParams(): URLSearchParams {
    this.#searchParams ??= new URLSearchParams(this.query)
    return this.#searchParams
  }

  /**
   * Whether a body follows the head: HTTP/1.1 says so with Content-Length > 0 or Transfer-Encoding
   * (RFC 9112 §6.3); HTTP/2 by not ending the stream with the headers (RFC 9113 §8.1).
   */
  get hasBody(): boolean {
    if (this.raw.httpVersionMajor === 2) return !(this.raw as unknown as Http2ServerRequest).stream.endAfterHeaders
    const headers = this.raw.headers
    if (headers['transfer-encoding'] !== undefined) return true
    const length = headers['content-length']
    return length !== undefined && length !== '0'
  }
}
