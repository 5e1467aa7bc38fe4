// Tiny example services for `npm start`: each answers JSON saying who it is and what it got.
import { createServer } from 'node:http'

/** Starts one example service; resolves once it listens. */
export function startBackend(name, port) {
  const server = createServer((req, res) => {
    if (req.url === '/health') {
      res.writeHead(200, { 'content-type': 'text/plain' })
      res.end('ok')
      return
    }
    const chunks = []
    req.on('data', (chunk) => chunks.push(chunk))
    req.on('end', () => {
      res.writeHead(200, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ service: name, port, method: req.method, url: req.url, body: Buffer.concat(chunks).toString() || undefined }))
    })
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}
