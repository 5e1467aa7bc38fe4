// `GET /routes`: every route in precedence order with its match, action and effective policy chain.
import { jsonReply, type AdminContext, type AdminReply } from '../admin-reply.js'

export async function listRoutes({ backend }: AdminContext): Promise<AdminReply> {
  return jsonReply(200, { routes: await backend.routes() })
}
