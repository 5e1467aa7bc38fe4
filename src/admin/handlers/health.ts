// Probes: /healthz says the process is up (liveness); /readyz says it should get traffic
// (readiness): a config is active and the process is not draining.
import { jsonReply, type AdminContext, type AdminReply } from '../admin-reply.js'

export function healthz(): AdminReply {
  return jsonReply(200, { status: 'ok' })
}

export function readyz({ backend }: AdminContext): AdminReply {
  const { generation, hash, lastError } = backend.configStatus()
  if (backend.draining) return jsonReply(503, { status: 'draining', generation, hash })
  // A refused reload does not make the gateway unready: the previous config still serves.
  return jsonReply(200, { status: 'ready', generation, hash, ...(lastError ? { lastError } : {}) })
}
