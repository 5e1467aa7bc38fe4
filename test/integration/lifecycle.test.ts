// Lifecycle: graceful shutdown under load (a real SIGTERM), cluster mode with file-based reload,
// and hot reload under steady load (50 reloads, one broken) with zero failed requests.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { Agent, request } from 'undici'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream } from '../helpers/start-upstream.js'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { spawnPortico } from '../helpers/spawn-portico.js'
import { freePort } from '../helpers/ports.js'
import { tempConfig } from '../helpers/temp-config.js'

/** One request on a fresh connection: 'ok', 'refused' (never accepted) or the failure. */
function oneRequest(port: number): Promise<string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path: '/slow', agent: false }, (res) => {
      res.resume()
      res.on('end', () => resolve(res.statusCode === 200 ? 'ok' : `status ${res.statusCode}`))
      res.on('error', (error) => resolve(`response error ${error.message}`))
    })
    req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code === 'ECONNREFUSED' ? 'refused' : `error ${error.code ?? error.message}`))
    req.end()
  })
}

test('SIGTERM under load: in-flight requests finish, new connections are refused, exit code 0', { timeout: 60_000 }, async () => {
  await using upstream = await startUpstream((_q, r) => setTimeout(() => r.end('done'), 200))
  const port = await freePort()
  const file = await tempConfig(`
workers: 1
logging: { level: info, accessLog: false }
shutdown: { drainTimeout: 10s }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /slow }
    service: app
`)
  await using portico = spawnPortico(['start', '--config', file])
  await portico.waitFor('portico is listening')
  const outcomes: string[] = []
  let stopAt = Infinity
  const loops = Array.from({ length: 8 }, async () => {
    while (Date.now() < stopAt + 1000) {
      const outcome = await oneRequest(port)
      outcomes.push(outcome)
      if (outcome === 'refused') break
    }
  })
  await new Promise((resolve) => setTimeout(resolve, 700))
  stopAt = Date.now()
  const exitCode = await portico.stop('SIGTERM')
  await Promise.all(loops)
  assert.equal(exitCode, 0, portico.output())
  const failed = outcomes.filter((o) => o !== 'ok' && o !== 'refused')
  assert.deepEqual(failed, [], 'no accepted request was dropped')
  assert.ok(outcomes.filter((o) => o === 'ok').length >= 16, `requests completed: ${outcomes.length}`)
  assert.match(portico.output(), /draining in-flight requests/)
})

test('cluster mode: workers serve, a changed file reloads everywhere, a broken one is refused', { timeout: 60_000 }, async () => {
  const port = await freePort()
  const config = (body: string) => `
workers: 2
logging: { level: info, accessLog: false }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
routes:
  - match: { path: /version }
    respond: { body: "${body}" }
`
  const file = await tempConfig(config('v1'))
  await using portico = spawnPortico(['start', '--config', file])
  await portico.waitFor('portico is listening')
  const agent = new Agent({ connections: 8 })
  const versions = async (): Promise<Set<string>> => {
    const seen = new Set<string>()
    await Promise.all(Array.from({ length: 16 }, async () => seen.add(await (await request(`http://127.0.0.1:${port}/version`, { dispatcher: agent })).body.text())))
    return seen
  }
  assert.deepEqual([...(await versions())], ['v1'])
  await writeFile(file, config('v2'))
  await eventually(async () => [...(await versions())].join() === 'v2', 10_000, 'every worker to serve v2')
  await writeFile(file, config('v3').replace('respond:', 'respnd:'))
  await portico.waitFor(/config reload refused/)
  assert.match(portico.output(), /routes\[0\]\.respnd: expected a known key/)
  assert.deepEqual([...(await versions())], ['v2'])
  await agent.close()
  assert.equal(await portico.stop('SIGTERM'), 0)
})

test('50 reloads under steady load, one of them broken: zero failed requests', { timeout: 60_000 }, async () => {
  await using a = await startUpstream((_q, r) => r.end('a'))
  await using b = await startUpstream((_q, r) => r.end('b'))
  const config = (target: string) => gatewayYaml(`
services:
  app: { targets: [${target}] }
routes:
  - match: { path: /* }
    service: app
`)
  await using gw = await startGateway(config(a.url))
  let running = true
  let failures = 0
  let done = 0
  const agent = new Agent({ connections: 4 })
  const load = Array.from({ length: 4 }, async () => {
    while (running) {
      try {
        const response = await request(`${gw.url}/x`, { dispatcher: agent })
        const text = await response.body.text()
        if (response.statusCode !== 200 || (text !== 'a' && text !== 'b')) failures++
      } catch {
        failures++
      }
      done++
    }
  })
  let refused = 0
  for (let i = 0; i < 50; i++) {
    if (i === 25) {
      await gw.reload(config(a.url).replace('service: app', 'service: missing')).catch(() => refused++)
    } else {
      await gw.reload(config(i % 2 === 0 ? a.url : b.url))
    }
    await new Promise((resolve) => setTimeout(resolve, 10))
  }
  running = false
  await Promise.all(load)
  await agent.close()
  assert.equal(refused, 1, 'the broken config was refused')
  assert.equal(failures, 0, `${failures} of ${done} requests failed`)
  assert.ok(done > 100)
  assert.equal(gw.gateway.generation, 50)
  assert.equal((await fetchRaw(`${gw.url}/x`)).body, 'b')
})
