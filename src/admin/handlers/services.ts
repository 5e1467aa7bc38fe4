// `GET /services`: per service its balancing, breaker state and each target's health and load.
import { jsonReply, type AdminContext, type AdminReply } from '../admin-reply.js'

export async function listServices({ backend }: AdminContext): Promise<AdminReply> {
  return jsonReply(200, { services: await backend.services() })
}
