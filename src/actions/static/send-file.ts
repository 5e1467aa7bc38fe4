// Turns an open file into the response: validators and preconditions (304/412), Range (206/416),
// HEAD without a body, and otherwise a stream over the file handle, destroyed if the client
// leaves so the descriptor is never left open.
import type { Readable } from 'node:stream'
import type { Exchange } from '../../exchange/exchange.js'
import { GatewayResponse } from '../../exchange/gateway-response.js'
import { HeaderList } from '../../exchange/header-list.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { reply, respond } from '../../pipeline/run-exchange.js'
import { createEtag, evaluatePreconditions, rangeStillValid, type Validators } from './conditional.js'
import { contentTypeFor } from './content-type.js'
import type { OpenFile } from './file-lookup.js'
import { contentRange, parseRange, unsatisfiedRange } from './range.js'

/** What sendFile needs from the action's configuration. */
export interface SendFileSettings {
  readonly cacheControl: string
  /** Precompressed siblings may be chosen, so every answer varies by Accept-Encoding. */
  readonly precompressed: boolean
}

const PRECONDITION_FAILED = LocalReply.fromCode('ERR_PRECONDITION_FAILED', 'The file does not match the request preconditions')

function ignore(): void {}

export function sendFile(ex: Exchange, file: OpenFile, settings: SendFileSettings): void {
  const { size, mtimeMs } = file.stats
  const validators: Validators = {
    etag: createEtag(size, mtimeMs, file.coding),
    // HTTP-dates have whole seconds; comparing in ms would never match If-Modified-Since.
    lastModifiedMs: Math.floor(mtimeMs / 1000) * 1000,
  }
  // The headers a 304 repeats (RFC 9110 §15.4.5) come first; the rest only go with content.
  const headers = new HeaderList([
    'etag', validators.etag,
    'last-modified', new Date(validators.lastModifiedMs).toUTCString(),
    'cache-control', settings.cacheControl,
  ])
  if (settings.precompressed) headers.raw.push('vary', 'Accept-Encoding')
  const requestHeaders = ex.request.raw.headers
  const outcome = evaluatePreconditions(requestHeaders, validators)
  if (outcome !== 'proceed') {
    file.handle.close().catch(ignore)
    if (outcome === 'failed') return reply(ex, PRECONDITION_FAILED)
    return respond(ex, new GatewayResponse(304, headers, null, 'local'))
  }
  headers.raw.push('content-type', contentTypeFor(file.requestedPath), 'accept-ranges', 'bytes', 'x-content-type-options', 'nosniff')
  if (file.coding !== undefined) headers.raw.push('content-encoding', file.coding)

  let status = 200
  let start = 0
  let end = size - 1
  const rangeHeader = requestHeaders.range
  // Range is defined for GET only (RFC 9110 §14.2); a stale If-Range gets the whole new file.
  if (rangeHeader !== undefined && ex.request.method === 'GET' && rangeStillValid(ex.request.header('if-range'), validators)) {
    const range = parseRange(rangeHeader, size)
    if (range === 'unsatisfiable') {
      file.handle.close().catch(ignore)
      return reply(ex, withHeader(LocalReply.fromCode('ERR_RANGE_NOT_SATISFIABLE', 'The range is outside the file'), 'content-range', unsatisfiedRange(size)))
    }
    if (range !== undefined) {
      status = 206
      start = range.start
      end = range.end
      headers.raw.push('content-range', contentRange(range, size))
    }
  }
  headers.raw.push('content-length', String(end - start + 1))
  if (ex.request.method === 'HEAD' || size === 0) {
    file.handle.close().catch(ignore)
    return respond(ex, new GatewayResponse(status, headers, null, 'local'))
  }
  const body = file.handle.createReadStream({ start, end })
  destroyIfClientLeaves(ex, body)
  respond(ex, new GatewayResponse(status, headers, body, 'local'))
}

/**
 * The writer pipes the body to the client, and a pipe does not destroy its source when the client
 * goes away: without this, a paused file stream would keep its descriptor open.
 */
function destroyIfClientLeaves(ex: Exchange, body: Readable): void {
  const res = ex.clientResponse
  res.once('close', () => {
    if (res.writableFinished) return
    // Destroy what is being written (maybe a compressor wrapping the file) and the file itself.
    const written = ex.response?.body
    if (written !== undefined && written !== null && typeof written === 'object' && 'destroy' in written) written.destroy()
    body.destroy()
  })
}

function withHeader(reply: LocalReply, name: string, value: string): LocalReply {
  reply.headers[name] = value
  return reply
}
