// Loopback ports for tests: one that is free to listen on, and one nothing listens on.
import { createServer } from 'node:net'

/** A port that was free a moment ago (bound, then released). */
export async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as { port: number }).port
  await new Promise((resolve) => server.close(resolve))
  return port
}

/** A port nothing listens on, for "connection refused" cases. */
export const deadPort = freePort
