// The response on its way back to the client: status, headers and a body that is a value or a
// stream. `onResponse` policies edit it (set headers, wrap the body stream) before it is written.
import type { Readable } from 'node:stream'
import { HeaderList } from './header-list.js'

export type ResponseBody = string | Buffer | Readable | null

export class GatewayResponse {
  status: number
  readonly headers: HeaderList
  body: ResponseBody
  /** Where the response came from, for logs and `X-Cache`-style policies: an upstream, the gateway… */
  readonly source: 'upstream' | 'local'

  constructor(status: number, headers: HeaderList, body: ResponseBody, source: 'upstream' | 'local') {
    this.status = status
    this.headers = headers
    this.body = body
    this.source = source
  }
}
