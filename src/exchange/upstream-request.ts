// The upstream side of an exchange: what the proxy will send. Kept apart from the client request
// (as Kong does) so a policy edits one without corrupting the other.
import type { Readable } from 'node:stream'
import type { HeaderList } from './header-list.js'

export interface UpstreamRequest {
  method: string
  /** Path and query as sent upstream, after rewrites. */
  path: string
  /** Headers to send: hop-by-hop removed, forwarding headers added. */
  readonly headers: HeaderList
  /** Replaces the client's body stream (a policy that counts or transforms it); default: the client's. */
  body?: Readable
}
