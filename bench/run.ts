// `npm run bench`: Portico side by side with nginx (and a minimal Node reference proxy) on the
// same route, in one run. Method, for stable figures on a 2-core machine:
//   - the proxy under test is pinned to core 1 (one worker each); wrk (1 thread) and the
//     upstream (nginx, 1 worker, fixed 1 KiB / 64 KiB bodies, keep-alive) share core 0;
//   - proxies alternate A B C within each round, over several rounds;
//   - we report requests/s, p50 and p99 per proxy, and Portico/nginx as the median of per-round
//     ratios (the machine is noisy: ratios, not absolute numbers).
// Installs nginx and wrk with apt-get when missing. Every load run is bounded by -d.
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { setTimeout as sleep } from 'node:timers/promises'
import { join, resolve } from 'node:path'
import { connect } from 'node:net'
import { nginxCacheDir, SCENARIOS, type Scenario } from './scenarios.js'

const ROOT = resolve(import.meta.dirname, '..')
const TMP = join(ROOT, '.bench-tmp')
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const DURATION = process.env.BENCH_DURATION ?? '5s'
const ONLY = process.env.BENCH_ONLY // substring filter on scenario names
const UPSTREAM_PORT = 18081
/** V8 flags for both Node proxies (Portico and the reference): Portico's production default (its
 *  workers, bin and Docker image run with it); BENCH_NODE_FLAGS="" measures Node's defaults. */
const NODE_FLAGS = (process.env.BENCH_NODE_FLAGS ?? '--max-semi-space-size=32').split(' ').filter(Boolean)

interface Proxy {
  readonly name: string
  readonly port: number
  start(scenario: Scenario): Promise<ChildProcess>
}

interface RunResult {
  rps: number
  p50Ms: number
  p99Ms: number
  errors: number
}

function ensureTools(): void {
  const missing = ['nginx', 'wrk', 'taskset'].filter((tool) => spawnSync('sh', ['-c', `command -v ${tool} || test -x /usr/sbin/${tool}`]).status !== 0)
  if (missing.length === 0) return
  console.log(`installing ${missing.join(', ')} with apt-get...`)
  const packages = missing.map((tool) => (tool === 'taskset' ? 'util-linux' : tool === 'nginx' ? 'nginx-light' : tool))
  execFileSync('sh', ['-c', `apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ${packages.join(' ')}`], { stdio: 'inherit' })
  // Debian starts the packaged nginx on port 80; the benchmark runs its own instances.
  spawnSync('sh', ['-c', 'nginx -s stop 2>/dev/null || true'])
}

function nginxBinary(): string {
  return existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx'
}

function nginxConf(name: string, server: string, extraHttp = ''): string {
  const dir = join(TMP, name)
  mkdirSync(dir, { recursive: true })
  const conf = `
user root;
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 8192; }
http {
  access_log off;
  keepalive_requests 1000000;
  keepalive_timeout 60s;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  ${extraHttp}
  ${server}
}`
  const file = join(dir, 'nginx.conf')
  writeFileSync(file, conf)
  return file
}

function startProcess(core: number, command: string, args: string[], name: string): ChildProcess {
  const child = spawn('taskset', ['-c', String(core), command, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NODE_ENV: 'production' } })
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString()
    if (!/warn|notice/.test(text)) process.stderr.write(`[${name}] ${text}`)
  })
  return child
}

async function waitForPort(port: number, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((done) => {
      const socket = connect(port, '127.0.0.1', () => {
        socket.destroy()
        done(true)
      })
      socket.on('error', () => done(false))
    })
    if (ok) return
    await sleep(100)
  }
  throw new Error(`port ${port} did not open`)
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return
  const exited = new Promise((done) => child.once('exit', done))
  child.kill('SIGTERM')
  await Promise.race([exited, sleep(5000)])
  if (child.exitCode === null) child.kill('SIGKILL')
}

function startUpstream(): ChildProcess {
  const files = join(TMP, 'files')
  mkdirSync(files, { recursive: true })
  writeFileSync(join(files, '1k'), Buffer.alloc(1024, 'a'))
  writeFileSync(join(files, '64k'), Buffer.alloc(64 * 1024, 'b'))
  const conf = nginxConf(
    'upstream',
    `server {
      listen 127.0.0.1:${UPSTREAM_PORT} backlog=4096;
      location / { root ${files}; etag off; add_header Cache-Control "max-age=60"; }
    }`,
  )
  return startProcess(0, nginxBinary(), ['-c', conf], 'upstream')
}

const PROXIES: Proxy[] = [
  {
    name: 'nginx',
    port: 18082,
    async start(scenario) {
      const conf = nginxConf(
        'nginx-proxy',
        `upstream backend { server 127.0.0.1:${UPSTREAM_PORT}; keepalive 256; }
        server {
          listen 127.0.0.1:18082 backlog=4096;
          location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            ${scenario.nginxLocation ?? ''}
          }
        }`,
        (scenario.nginxHttp ?? '').replace('__CACHE_DIR__', nginxCacheDir(TMP)),
      )
      return startProcess(1, nginxBinary(), ['-c', conf], 'nginx')
    },
  },
  {
    name: 'portico',
    port: 18083,
    async start(scenario) {
      const dir = join(TMP, 'portico')
      mkdirSync(dir, { recursive: true })
      const file = join(dir, 'portico.yaml')
      writeFileSync(
        file,
        `workers: 1
logging: { level: warn, accessLog: false }
listeners:
  - { port: 18083, host: 127.0.0.1 }
services:
  origin: { targets: [http://127.0.0.1:${UPSTREAM_PORT}] }
${scenario.porticoExtra ?? ''}
routes:
  - name: bench
    match: { path: /* }
    service: origin
${(scenario.porticoRoute ?? '').replace(/\\n/g, '\n')}
`,
      )
      return startProcess(1, process.execPath, [...NODE_FLAGS, join(ROOT, 'bin/portico.js'), 'start', '--no-watch', '--config', file], 'portico')
    },
  },
  {
    name: 'reference',
    port: 18084,
    async start() {
      return startProcess(1, process.execPath, [...NODE_FLAGS, join(ROOT, 'bench/reference-proxy.mjs'), '18084', `http://127.0.0.1:${UPSTREAM_PORT}`], 'reference')
    },
  },
]

function parseLatency(text: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([0-9.]+)(us|ms|s)\\s*$`, 'm').exec(text)
  if (!match) return Number.NaN
  const value = Number(match[1])
  return match[2] === 'us' ? value / 1000 : match[2] === 's' ? value * 1000 : value
}

function runWrk(port: number, path: string, connections: number, duration: string): RunResult {
  const out = execFileSync('taskset', ['-c', '0', 'wrk', '-t1', `-c${connections}`, `-d${duration}`, '--latency', `http://127.0.0.1:${port}${path}`], { encoding: 'utf8', timeout: 120_000 })
  const rps = Number(/Requests\/sec:\s+([0-9.]+)/.exec(out)?.[1] ?? Number.NaN)
  const non2xx = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0)
  const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out)
  const errors = non2xx + (socketErrors ? socketErrors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0)
  return { rps, p50Ms: parseLatency(out, '50'), p99Ms: parseLatency(out, '99'), errors }
}

const median = (values: number[]): number => {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return Number.NaN
  const middle = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[middle] as number) : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2
}

async function benchScenario(scenario: Scenario): Promise<void> {
  const results = new Map<string, RunResult[]>()
  const proxies = PROXIES.filter((proxy) => scenario.proxies === undefined || scenario.proxies.includes(proxy.name))
  for (const proxy of proxies) results.set(proxy.name, [])
  const running = new Map<string, ChildProcess>()
  try {
    for (const proxy of proxies) {
      running.set(proxy.name, await proxy.start(scenario))
      await waitForPort(proxy.port)
      runWrk(proxy.port, scenario.path, scenario.connections, '2s') // warm-up (JIT, pools)
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const proxy of proxies) results.get(proxy.name)?.push(runWrk(proxy.port, scenario.path, scenario.connections, DURATION))
    }
  } finally {
    for (const child of running.values()) await stop(child)
  }
  report(scenario, results)
}

function report(scenario: Scenario, results: Map<string, RunResult[]>): void {
  console.log(`\n## ${scenario.name}  (${scenario.path}, ${scenario.connections} connections, ${ROUNDS} rounds × ${DURATION})`)
  console.log('proxy       req/s (median)   p50 ms   p99 ms   errors')
  for (const [name, runs] of results) {
    const line = [
      name.padEnd(11),
      median(runs.map((r) => r.rps)).toFixed(0).padStart(14),
      median(runs.map((r) => r.p50Ms)).toFixed(2).padStart(8),
      median(runs.map((r) => r.p99Ms)).toFixed(2).padStart(8),
      String(runs.reduce((sum, r) => sum + r.errors, 0)).padStart(8),
    ]
    console.log(line.join(' '))
  }
  const ratio = (a: string, b: string, pick: (r: RunResult) => number): number => {
    const left = results.get(a)
    const right = results.get(b)
    if (!left || !right) return Number.NaN
    return median(left.map((run, i) => pick(run) / pick(right[i] as RunResult)))
  }
  const lines = [`portico/nginx req/s: ${ratio('portico', 'nginx', (r) => r.rps).toFixed(2)}`, `portico/nginx p99: ${ratio('portico', 'nginx', (r) => r.p99Ms).toFixed(2)}×`]
  if (results.has('reference')) lines.push(`portico/reference req/s: ${ratio('portico', 'reference', (r) => r.rps).toFixed(2)}`)
  console.log(lines.join('   '))
}

async function main(): Promise<void> {
  ensureTools()
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'inherit' })
  rmSync(TMP, { recursive: true, force: true })
  mkdirSync(TMP, { recursive: true })
  const upstream = startUpstream()
  try {
    await waitForPort(UPSTREAM_PORT)
    console.log(`Portico benchmark: rounds=${ROUNDS}, duration=${DURATION}; proxies pinned to core 1, wrk + upstream on core 0`)
    for (const scenario of SCENARIOS) {
      if (ONLY !== undefined && !scenario.name.includes(ONLY)) continue
      await benchScenario(scenario)
    }
  } finally {
    await stop(upstream)
  }
}

await main()
