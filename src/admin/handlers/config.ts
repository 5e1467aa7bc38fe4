// The config endpoints: what is active (never the raw text, which may hold secrets), a dry-run
// validation, and `PUT /config`, which validates and swaps like a file reload does.
import { AdminError, errorReply, jsonReply, type AdminContext, type AdminReply } from '../admin-reply.js'

export function getConfig({ backend }: AdminContext): AdminReply {
  const status = backend.configStatus()
  return jsonReply(200, { ...status, lastError: status.lastError ?? null })
}

export function validateConfig({ backend, body }: AdminContext): AdminReply {
  const issues = backend.validate(requireText(body))
  return jsonReply(200, { valid: issues.length === 0, issues })
}

export async function putConfig({ backend, body, log }: AdminContext): Promise<AdminReply> {
  if (backend.applyConfig === undefined) {
    return errorReply(
      409,
      'ERR_CLUSTER_MODE',
      'With several workers the config file is the only config source: change the file (or the ConfigMap), or send SIGHUP. PUT /config works with workers: 1.',
    )
  }
  const outcome = await backend.applyConfig(requireText(body))
  if (!outcome.ok) {
    const active = backend.configStatus()
    log.warn({ issues: outcome.issues.length }, 'admin: config refused; the previous config stays active')
    return errorReply(400, 'ERR_INVALID_CONFIG', 'The config was refused; the previous config stays active', {
      issues: outcome.issues,
      active: { generation: active.generation, hash: active.hash },
    })
  }
  log.info({ generation: outcome.generation, hash: outcome.hash }, 'admin: config applied')
  return jsonReply(200, { generation: outcome.generation, hash: outcome.hash })
}

function requireText(body: string): string {
  if (body.trim() === '') throw new AdminError(400, 'ERR_BAD_REQUEST', 'Send the YAML config as the request body')
  return body
}
