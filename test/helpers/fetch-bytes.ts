// A request whose path is sent exactly as written (no URL normalization, so `..` and `%2e` reach
// the gateway) and whose body comes back as bytes, for binary and compressed responses.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface BytesResponse {
  status: number
  headers: IncomingHttpHeaders
  body: Buffer
}

export function fetchBytes(port: number, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<BytesResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: options.method ?? 'GET', headers: options.headers, agent: false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }))
      res.on('error', reject)
    })
    req.on('error', reject)
    req.end()
  })
}
