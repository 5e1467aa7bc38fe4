// `GET /metrics`: the Prometheus text exposition (in cluster mode, merged across the workers).
import { errorReply, type AdminContext, type AdminReply } from '../admin-reply.js'

export async function scrapeMetrics({ backend }: AdminContext): Promise<AdminReply> {
  const page = await backend.metrics()
  if (page === undefined) return errorReply(404, 'ERR_METRICS_DISABLED', 'Metrics are disabled (metrics.enabled: false)')
  return { status: 200, contentType: page.contentType, body: page.text }
}
