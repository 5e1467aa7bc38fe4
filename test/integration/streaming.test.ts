// Bodies stream through with backpressure: 1 GiB up and 1 GiB down with flat memory.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request as httpRequest } from 'node:http'
import { Readable } from 'node:stream'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'

const GIB = 1024 ** 3
const CHUNK = Buffer.alloc(64 * 1024, 0x61)
/** Peak RSS growth allowed while 1 GiB passes: a buffered body would add about 1 GiB. */
const MAX_GROWTH = 160 * 1024 ** 2

function sampleMemory(): { stop(): number } {
  const baseline = process.memoryUsage().rss
  let peak = baseline
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss)
  }, 50)
  return {
    stop() {
      clearInterval(timer)
      return peak - baseline
    },
  }
}

function generate(total: number): Readable {
  let sent = 0
  return new Readable({
    read() {
      if (sent >= total) return void this.push(null)
      sent += CHUNK.length
      this.push(CHUNK)
    },
  })
}

test('a 1 GiB upload streams to the upstream with flat memory', { timeout: 120_000 }, async () => {
  await using upstream = await startUpstream((req, res) => {
    let received = 0
    req.on('data', (chunk: Buffer) => (received += chunk.length))
    req.on('end', () => res.end(String(received)))
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  sink: { targets: [${upstream.url}], timeout: 2m }
routes:
  - match: { path: /upload }
    service: sink
`))
  const memory = sampleMemory()
  const answer = await new Promise<string>((resolve, reject) => {
    const req = httpRequest(`${gw.url}/upload`, { method: 'PUT', headers: { 'content-length': String(GIB) }, agent: false }, (res) => {
      let text = ''
      res.on('data', (chunk: Buffer) => (text += chunk.toString()))
      res.on('end', () => resolve(text))
    })
    req.on('error', reject)
    generate(GIB).pipe(req)
  })
  const growth = memory.stop()
  assert.equal(Number(answer), GIB)
  assert.ok(growth < MAX_GROWTH, `memory grew by ${Math.round(growth / 1024 ** 2)} MiB`)
})

test('a 1 GiB download streams to the client with flat memory', { timeout: 120_000 }, async () => {
  await using upstream = await startUpstream((_req, res) => {
    res.setHeader('content-length', String(GIB))
    generate(GIB).pipe(res)
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  source: { targets: [${upstream.url}] }
routes:
  - match: { path: /download }
    service: source
`))
  const memory = sampleMemory()
  const received = await new Promise<number>((resolve, reject) => {
    httpRequest(`${gw.url}/download`, { agent: false }, (res) => {
      let total = 0
      res.on('data', (chunk: Buffer) => (total += chunk.length))
      res.on('end', () => resolve(total))
      res.on('error', reject)
    })
      .on('error', reject)
      .end()
  })
  const growth = memory.stop()
  assert.equal(received, GIB)
  assert.ok(growth < MAX_GROWTH, `memory grew by ${Math.round(growth / 1024 ** 2)} MiB`)
})
