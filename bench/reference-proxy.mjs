// The minimal reference proxy: node:http server + one undici Pool per upstream, `pool.stream`,
// nothing else. Portico / reference is Portico's own overhead, steadier than any absolute figure.
import { createServer } from 'node:http'
import { Pool } from 'undici'

const port = Number(process.argv[2] ?? 18084)
const upstream = process.argv[3] ?? 'http://127.0.0.1:18081'
const pool = new Pool(upstream, { connections: 256, pipelining: 1 })

createServer((req, res) => {
  const headers = { ...req.headers }
  delete headers.connection
  delete headers.host
  pool
    .stream(
      { path: req.url, method: req.method, headers, body: req.method === 'GET' || req.method === 'HEAD' ? null : req },
      ({ statusCode, headers: upstreamHeaders }) => {
        delete upstreamHeaders.connection
        delete upstreamHeaders['keep-alive']
        delete upstreamHeaders['transfer-encoding']
        res.writeHead(statusCode, upstreamHeaders)
        return res
      },
    )
    .catch((error) => {
      if (!res.headersSent) res.writeHead(502).end(String(error.message))
      else res.destroy()
    })
}).listen(port, '127.0.0.1', () => console.log(`reference proxy on ${port} → ${upstream}`))
