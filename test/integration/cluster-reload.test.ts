// Cluster reloads while a worker is being replaced: a worker that crashed comes back on the config
// the cluster moved to during its start (not the one it was forked with) and reports the new
// generation, so the workers never serve different configs. A policy module that makes every
// compile slow keeps the reload preparing while the replacement starts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { promisify } from 'node:util'
import { eventually, fetchRaw } from '../helpers/http-client.js'
import { spawnPortico, type PorticoProcess } from '../helpers/spawn-portico.js'
import { adminRequest, sampleValue } from '../helpers/start-admin.js'
import { freePort } from '../helpers/ports.js'
import { tempConfig } from '../helpers/temp-config.js'

/** How long each compile (worker start, prepare) takes: longer than a worker needs to boot. */
const COMPILE_DELAY_MS = 2_000

const SLOW_COMPILE_POLICY = `
export default {
  name: 'slowCompile',
  stage: 'transform',
  options: { type: 'object' },
  async create() {
    await new Promise((resolve) => setTimeout(resolve, ${COMPILE_DELAY_MS}))
    return {}
  },
}
`

const run = promisify(execFile)

/** The pids of the primary's worker processes, from `ps --ppid` (other children, e.g. esbuild's, are skipped). */
async function workerPids(primary: number): Promise<number[]> {
  const { stdout } = await run('ps', ['--ppid', String(primary), '-o', 'pid=,args=']).catch(() => ({ stdout: '' }))
  return stdout
    .split('\n')
    .filter((line) => line.includes('cli/worker'))
    .map((line) => Number.parseInt(line.trim(), 10))
    .filter((pid) => pid > 0)
    .sort((a, b) => a - b)
}

/** The generation a worker last logged as serving ("worker serving config"), by its pid. */
function servingGeneration(portico: PorticoProcess, pid: number): number | undefined {
  let generation: number | undefined
  for (const line of portico.output().split('\n')) {
    if (!line.includes('"worker serving config"')) continue
    const entry = JSON.parse(line) as { pid: number; generation: number }
    if (entry.pid === pid) generation = entry.generation
  }
  return generation
}

/** The bodies of `count` concurrent requests, each on its own connection (round-robin over the workers). */
async function bodies(port: number, count = 24): Promise<Set<string>> {
  const responses = await Promise.all(Array.from({ length: count }, () => fetchRaw(`http://127.0.0.1:${port}/version`)))
  return new Set(responses.map((response) => `${response.status} ${response.body}`))
}

async function adminUrl(portico: PorticoProcess): Promise<string> {
  await portico.waitFor('admin API listening', 30_000)
  const line = portico.output().split('\n').find((entry) => entry.includes('admin API listening')) ?? ''
  const { address } = JSON.parse(line) as { address: string }
  return `http://${address}`
}

test('a worker replaced during a reload ends up on the new config and reports the new generation', { timeout: 90_000 }, async (t) => {
  const port = await freePort()
  const config = (body: string) => `
workers: 2
logging: { level: debug, accessLog: false }
admin: { port: 0 }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
policies:
  - module: ./slow-compile.mjs
routes:
  - { name: version, match: { path: /version }, respond: { body: "${body}" } }
`
  const file = await tempConfig(config('v1'))
  await writeFile(join(dirname(file), 'slow-compile.mjs'), SLOW_COMPILE_POLICY)
  await using portico = spawnPortico(['start', '--config', file, '--no-watch'])
  const admin = await adminUrl(portico)
  await portico.waitFor('portico is listening', 30_000)
  const primary = portico.child.pid ?? 0

  const before = await workerPids(primary)
  assert.equal(before.length, 2, `workers: ${before.join(', ')}`)
  assert.deepEqual([...(await bodies(port))], ['200 v1'])
  for (const pid of before) assert.equal(servingGeneration(portico, pid), 1, `worker ${pid}`)

  // Crash one worker; as soon as its replacement exists (booting, not serving yet), change the config.
  const [victim] = before as [number, number]
  process.kill(victim, 'SIGKILL')
  await portico.waitFor('starting a replacement')
  let replacement: number | undefined
  await eventually(async () => {
    replacement = (await workerPids(primary)).find((pid) => !before.includes(pid))
    return replacement !== undefined
  }, 10_000, 'the replacement worker to be forked')
  await writeFile(file, config('v2'))
  portico.child.kill('SIGHUP')

  // Afterwards both workers (the survivor and the replacement) serve v2 as generation 2.
  await eventually(async () => {
    const pids = await workerPids(primary)
    return pids.length === 2 && pids.every((pid) => servingGeneration(portico, pid) === 2)
  }, 30_000, 'both workers to serve generation 2')
  assert.deepEqual([...(await bodies(port))], ['200 v2'], portico.output())
  const after = await workerPids(primary)
  assert.ok(after.includes(replacement ?? 0) && !after.includes(victim), `workers now: ${after.join(', ')}`)

  const status = (await adminRequest(admin, '/config', undefined)).json<{ generation: number; lastError: unknown }>()
  assert.deepEqual([status.generation, status.lastError], [2, null])
  const metrics = (await adminRequest(admin, '/metrics', undefined)).body
  assert.equal(sampleValue(metrics, 'portico_config_generation'), 2)
  assert.equal(sampleValue(metrics, 'portico_config_reloads_total', { result: 'success' }), 1, 'bringing a worker up to date is not a reload')
  assert.equal(sampleValue(metrics, 'portico_config_reloads_total', { result: 'failure' }), 0)
  // Which path ran depends on how fast the replacement boots; both must end on generation 2.
  const caughtUp = portico.output().includes('worker brought onto the current config')
  t.diagnostic(caughtUp ? 'the replacement started on v1 during the reload and was brought onto v2' : 'the replacement started directly on v2')
  assert.equal(await portico.stop('SIGTERM'), 0)
})

test('SIGTERM while a replacement worker boots: every worker stops and the primary exits 0; admin queries skip booting workers', { timeout: 90_000 }, async () => {
  const port = await freePort()
  const file = await tempConfig(`
workers: 2
logging: { level: info, accessLog: false }
admin: { port: 0 }
shutdown: { drainTimeout: 2s }
listeners: [{ port: ${port}, host: 127.0.0.1 }]
routes:
  - match: { path: /version }
    respond: { body: v1 }
  - match: { path: /slow }
    respond: { body: x }
    policies:
      - module: ./slow-compile.mjs
`)
  await writeFile(join(dirname(file), 'slow-compile.mjs'), SLOW_COMPILE_POLICY)
  await using portico = spawnPortico(['start', '--no-watch', '--config', file])
  await portico.waitFor('portico is listening', 60_000)
  const admin = await adminUrl(portico)
  const primary = portico.child.pid as number
  const [victim] = await workerPids(primary)
  assert.ok(victim !== undefined)
  process.kill(victim, 'SIGKILL')
  await eventually(async () => (await workerPids(primary)).filter((pid) => pid !== victim).length === 2, 10_000, 'the replacement to be forked')
  // While the replacement compiles (slowly), the admin API answers from the serving worker only.
  const services = await fetchRaw(`${admin}/services`)
  assert.equal(services.status, 200, services.body)
  const started = Date.now()
  const code = await portico.stop('SIGTERM')
  assert.equal(code, 0, portico.output())
  assert.ok(Date.now() - started < 20_000, 'the primary did not wait forever for the booting worker')
  assert.deepEqual(await workerPids(primary), [])
})
