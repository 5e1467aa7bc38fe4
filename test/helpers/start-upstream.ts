// A real HTTP upstream on 127.0.0.1:0 for integration tests, disposable with `await using`.
// By default it echoes what it received as JSON, which lets tests check what the gateway sent.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'

export interface EchoBody {
  method: string
  url: string
  headers: Record<string, string | string[] | undefined>
  rawHeaders: string[]
  body: string
  upstream: string
}

export type UpstreamHandler = (req: IncomingMessage, res: ServerResponse) => void

export interface Upstream extends AsyncDisposable {
  readonly url: string
  readonly port: number
  readonly server: Server
  /** Requests received so far. */
  readonly hits: number
  close(): Promise<void>
}

export async function startUpstream(handler: UpstreamHandler = echo, options: { name?: string; port?: number } = {}): Promise<Upstream> {
  const sockets = new Set<Socket>()
  let hits = 0
  const name = options.name ?? 'upstream'
  const server = createServer((req, res) => {
    hits++
    res.setHeader('x-upstream', name)
    handler(req, res)
  })
  server.on('connection', (socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket))
  })
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const close = async (): Promise<void> => {
    for (const socket of sockets) socket.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    server,
    get hits() {
      return hits
    },
    close,
    [Symbol.asyncDispose]: close,
  }
}

/** Answers with a JSON description of the request it received. */
export function echo(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = []
  req.on('data', (chunk: Buffer) => chunks.push(chunk))
  req.on('end', () => {
    const body: EchoBody = {
      method: req.method ?? '',
      url: req.url ?? '',
      headers: req.headers,
      rawHeaders: req.rawHeaders,
      body: Buffer.concat(chunks).toString(),
      upstream: String(res.getHeader('x-upstream')),
    }
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify(body))
  })
}
