// The admin API as `portico start` wires it: in one process (file-watch reloads recorded as
// lastError and counted) and in cluster mode, where the primary answers and asks its workers.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { writeFile } from 'node:fs/promises'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { spawnPortico, type PorticoProcess } from '../helpers/spawn-portico.js'
import { adminRequest, sampleValue } from '../helpers/start-admin.js'
import { freePort } from '../helpers/ports.js'
import { tempConfig } from '../helpers/temp-config.js'

const TOKEN = 'process-admin-token-0123456789'

/** The admin URL, read from the "admin API listening" log line (the config asks for port 0). */
async function adminUrl(portico: PorticoProcess): Promise<string> {
  await portico.waitFor('admin API listening')
  const line = portico.output().split('\n').find((entry) => entry.includes('admin API listening')) ?? ''
  const { address } = JSON.parse(line) as { address: string }
  return `http://${address}`
}

interface ConfigStatus {
  generation: number
  hash: string
  file: string
  lastError: { issues: Array<{ path: string }> } | null
}

test('one process: admin API from the config; a refused file reload shows as lastError and is counted', { timeout: 60_000 }, async () => {
  const port = await freePort()
  const config = (body: string) => `
workers: 1
logging: { level: info, accessLog: false }
admin: { port: 0, token: "\${ADMIN_TOKEN}" }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
routes:
  - { name: version, match: { path: /version }, respond: { body: "${body}" } }
`
  const file = await tempConfig(config('v1'))
  await using portico = spawnPortico(['start', '--config', file], { ADMIN_TOKEN: TOKEN })
  const admin = await adminUrl(portico)
  await portico.waitFor('portico is listening')
  assert.equal((await adminRequest(admin, '/config', undefined)).status, 401)
  assert.equal((await adminRequest(admin, '/readyz', undefined)).status, 200)

  await writeFile(file, config('v2'))
  await eventually(async () => (await fetchRaw(`http://127.0.0.1:${port}/version`)).body === 'v2', 10_000, 'the file reload')
  await writeFile(file, config('v3').replace('respond:', 'respnd:'))
  await portico.waitFor(/config reload refused/)
  const status = (await adminRequest(admin, '/config', TOKEN)).json<ConfigStatus>()
  assert.equal(status.generation, 2)
  assert.equal(status.file, file)
  assert.ok(status.lastError?.issues.some((issue) => issue.path === 'routes[0].respnd'), JSON.stringify(status.lastError))
  const metrics = (await adminRequest(admin, '/metrics', TOKEN)).body
  assert.equal(sampleValue(metrics, 'portico_config_reloads_total', { result: 'success' }), 1)
  assert.equal(sampleValue(metrics, 'portico_config_reloads_total', { result: 'failure' }), 1)
  assert.equal(sampleValue(metrics, 'portico_requests_total', { route: 'version', method: 'GET', status_class: '2xx' }) !== undefined, true)
  assert.equal(await portico.stop('SIGTERM'), 0)
})

test('cluster mode: the primary serves the admin API, merges workers’ metrics and refuses PUT /config', { timeout: 60_000 }, async () => {
  const port = await freePort()
  const config = (body: string) => `
workers: 2
logging: { level: info, accessLog: false }
admin: { port: 0 }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
routes:
  - { name: version, match: { path: /version }, respond: { body: "${body}" } }
`
  const file = await tempConfig(config('v1'))
  await using portico = spawnPortico(['start', '--config', file])
  const admin = await adminUrl(portico)
  await portico.waitFor('portico is listening')

  assert.equal((await adminRequest(admin, '/healthz', undefined)).status, 200)
  const ready = (await adminRequest(admin, '/readyz', undefined)).json<{ status: string; generation: number }>()
  assert.deepEqual([ready.status, ready.generation], ['ready', 1])

  const put = await adminRequest(admin, '/config', undefined, { method: 'PUT', body: config('v9'), headers: { 'content-type': 'application/yaml' } })
  assert.equal(put.status, 409)
  assert.equal(put.json<{ error: { code: string } }>().error.code, 'ERR_CLUSTER_MODE')

  const requests = 20
  for (let i = 0; i < requests; i++) assert.equal((await fetchRaw(`http://127.0.0.1:${port}/version`)).body, 'v1')
  const metrics = (await adminRequest(admin, '/metrics', undefined)).body
  assert.equal(sampleValue(metrics, 'portico_requests_total', { route: 'version', method: 'GET', status_class: '2xx' }), requests, 'summed over the workers')
  assert.equal(sampleValue(metrics, 'portico_config_generation'), 1)
  assert.ok(sampleValue(metrics, 'process_resident_memory_bytes') !== undefined)

  const routes = (await adminRequest(admin, '/routes', undefined)).json<{ routes: Array<{ name: string }> }>()
  assert.deepEqual(routes.routes.map((route) => route.name), ['version'])
  assert.deepEqual((await adminRequest(admin, '/services', undefined)).json(), { services: [] })
  const purge = await adminRequest(admin, '/cache/purge', undefined, { method: 'POST', body: '{"prefix":"GET "}', headers: { 'content-type': 'application/json' } })
  assert.deepEqual(purge.json(), { prefix: 'GET ', removed: 0 })

  await writeFile(file, config('v2'))
  await eventually(async () => (await adminRequest(admin, '/config', undefined)).json<ConfigStatus>().generation === 2, 10_000, 'the cluster reload')
  await writeFile(file, config('v3').replace('respond:', 'respnd:'))
  await eventually(async () => (await adminRequest(admin, '/config', undefined)).json<ConfigStatus>().lastError !== null, 10_000, 'the refused reload')
  const after = (await adminRequest(admin, '/metrics', undefined)).body
  assert.equal(sampleValue(after, 'portico_config_reloads_total', { result: 'success' }), 1)
  assert.equal(sampleValue(after, 'portico_config_reloads_total', { result: 'failure' }), 1)
  assert.equal(sampleValue(after, 'portico_config_generation'), 2)
  assert.equal(await portico.stop('SIGTERM'), 0)
})
