// `POST /cache/purge`: deletes cached responses by exact key or by key prefix, straight on the
// store. Keys are the response cache's, e.g. `GET https://api.example.com/products/42`.
import type { PurgeRequest } from '../admin-backend.js'
import { AdminError, jsonReply, type AdminContext, type AdminReply } from '../admin-reply.js'

export async function purgeCache({ backend, body, log }: AdminContext): Promise<AdminReply> {
  const request = parsePurgeRequest(body)
  const removed = await backend.purge(request)
  log.info({ ...request, removed }, 'admin: cache purged')
  return jsonReply(200, 'key' in request ? { key: request.key } : { prefix: request.prefix, removed })
}

/** `{ "key": "..." }` or `{ "prefix": "..." }`, each a non-empty string, nothing else. */
export function parsePurgeRequest(body: string): PurgeRequest {
  let value: unknown
  try {
    value = JSON.parse(body)
  } catch {
    throw new AdminError(400, 'ERR_BAD_REQUEST', 'The body must be JSON: { "key": "..." } or { "prefix": "..." }')
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value)
    const [name, given] = entries[0] ?? []
    if (entries.length === 1 && (name === 'key' || name === 'prefix') && typeof given === 'string' && given !== '') {
      return name === 'key' ? { key: given } : { prefix: given }
    }
  }
  throw new AdminError(400, 'ERR_BAD_REQUEST', 'Give exactly one of "key" or "prefix", a non-empty string')
}
