// `portico` — the composition root: wires config sources, the gateway (or the cluster) and
// signals together. Exit codes: 0 success, 1 invalid config, 2 bad usage.
import { availableParallelism } from 'node:os'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { dirname, extname, join } from 'node:path'
import { ConfigError, formatIssue } from '../config/config-issue.js'
import { loadConfigFile, type LoadedConfig } from '../config/load-config.js'
import { GatewayConfigSchema } from '../config/schema/root.js'
import { createLogger, type Logger } from '../observability/logger.js'
import { PolicyRegistry } from '../policies/index.js'
import { ClusterPrimary } from '../runtime/cluster.js'
import { Gateway } from '../runtime/gateway.js'
import { FileSource } from '../sources/file-source.js'
import { AdminServer, adminOptions } from '../admin/admin-server.js'
import type { AdminBackend } from '../admin/admin-backend.js'
import { ClusterBackend } from '../admin/cluster-backend.js'
import { GatewayBackend } from '../admin/gateway-backend.js'
import type { ReloadOutcome } from '../runtime/reload-status.js'
import { parseCli, UsageError, USAGE, type CliArgs } from './args.js'
import { explainRoutes } from './explain.js'
import { hashPassword } from '../policies/basic-auth/password-hash.js'

export async function main(argv: readonly string[]): Promise<number> {
  let args: CliArgs
  try {
    args = parseCli(argv)
  } catch (error) {
    if (!(error instanceof UsageError)) throw error
    process.stderr.write(`portico: ${error.message}\n\n${USAGE}\n`)
    return 2
  }
  switch (args.command) {
    case 'help':
      process.stdout.write(`${USAGE}\n`)
      return 0
    case 'version':
      process.stdout.write(`${version()}\n`)
      return 0
    case 'schema':
      process.stdout.write(`${JSON.stringify(GatewayConfigSchema, null, 2)}\n`)
      return 0
    case 'validate':
      return validate(args)
    case 'hash-password':
      return printPasswordHash()
    case 'start':
      return start(args)
  }
}

/** Reads one line (the password) from stdin and prints its scrypt hash. */
async function printPasswordHash(): Promise<number> {
  let input = ''
  for await (const chunk of process.stdin) input += String(chunk)
  const password = input.replace(/\r?\n$/, '')
  if (password === '') {
    process.stderr.write('portico: give the password on stdin, e.g. `echo -n secret | portico hash-password`\n')
    return 2
  }
  process.stdout.write(`${await hashPassword(password)}\n`)
  return 0
}

async function readConfig(file: string): Promise<LoadedConfig | undefined> {
  try {
    return await loadConfigFile(file, { policies: new PolicyRegistry() })
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${file}: invalid config (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'})\n`)
    for (const issue of error.issues) process.stderr.write(`  ${formatIssue(issue)}\n`)
    return undefined
  }
}

async function validate(args: CliArgs): Promise<number> {
  const loaded = await readConfig(args.config)
  if (loaded === undefined) return 1
  // Compiling creates every policy and loads policy modules, which catches the problems only
  // creation reveals (a bad CIDR, a JWT key that does not fit its algorithms...).
  let explanation: string
  try {
    explanation = await explainRoutes(loaded)
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error
    process.stderr.write(`${args.config}: invalid config (${error.issues.length} problem${error.issues.length === 1 ? '' : 's'})\n`)
    for (const issue of error.issues) process.stderr.write(`  ${formatIssue(issue)}\n`)
    return 1
  }
  if (args.explain) process.stdout.write(explanation)
  process.stdout.write(`${args.config}: valid (${loaded.config.routes.length} routes, ${Object.keys(loaded.config.services ?? {}).length} services)\n`)
  return 0
}

/** With the memory store, each worker keeps its own counters and cache: say so, once. */
function warnAboutPerProcessState(loaded: LoadedConfig, workers: number, log: Logger): void {
  if (workers === 1 || (loaded.config.store !== undefined && loaded.config.store.type !== 'memory')) return
  const stateful = [...loaded.policies.values()].flat().filter((ref) => ref.name === 'rateLimit' || ref.name === 'cache')
  if (stateful.length === 0) return
  log.warn({ workers }, 'rateLimit/cache use the memory store: each worker counts and caches on its own (a limit of N admits up to workers × N); use store: { type: redis } to share state')
}

function workerCount(loaded: LoadedConfig): number {
  const workers = loaded.config.workers ?? 'auto'
  return workers === 'auto' ? availableParallelism() : workers
}

async function start(args: CliArgs): Promise<number> {
  const loaded = await readConfig(args.config)
  if (loaded === undefined) return 1
  const log = createLogger(loaded.config.logging?.level ?? 'info')
  const workers = workerCount(loaded)
  warnAboutPerProcessState(loaded, workers, log)
  return workers === 1 ? startSingle(args, loaded, log) : startCluster(args, loaded, log, workers)
}

async function startSingle(args: CliArgs, loaded: LoadedConfig, log: Logger): Promise<number> {
  const registry = new PolicyRegistry()
  let gateway: Gateway
  try {
    gateway = await Gateway.start(loaded, { log, registry })
  } catch (error) {
    return startFailed(error, log)
  }
  let admin: AdminServer | undefined
  try {
    admin = await startAdmin(loaded, new GatewayBackend(gateway), log)
  } catch (error) {
    await gateway.close(0)
    return startFailed(error, log)
  }
  logListening(gateway, log)
  const source = new FileSource(
    {
      file: args.config,
      onChange: (text) => void gateway.reloadText(text, args.config).then((outcome) => logReload(outcome, log)),
      onError: (error) => log.warn({ err: error }, 'config watcher error'),
    },
    loaded.text,
  )
  if (args.watch) source.start()
  process.on('SIGHUP', () => source.trigger())
  return waitForStop(log, async () => {
    source.stop()
    // The admin API stays up while draining, so /readyz can answer 503 until the end.
    await gateway.close()
    await admin?.close()
  })
}

/** Starts the admin API when the config has an `admin:` block (a changed block needs a restart). */
function startAdmin(loaded: LoadedConfig, backend: AdminBackend, log: Logger): Promise<AdminServer | undefined> {
  const config = loaded.config.admin
  return config === undefined ? Promise.resolve(undefined) : AdminServer.start(adminOptions(config, backend, log))
}

function logReload(outcome: ReloadOutcome, log: Logger): void {
  if (outcome.ok) {
    log.info({ generation: outcome.generation, hash: outcome.hash }, 'config reloaded')
    return
  }
  for (const issue of outcome.issues) log.error(formatIssue(issue))
  log.error('config reload refused; the previous config stays active')
}

async function startCluster(args: CliArgs, loaded: LoadedConfig, log: Logger, workers: number): Promise<number> {
  const primary = new ClusterPrimary({ loaded, workers, log, workerEntry: siblingModule('worker') })
  try {
    await primary.start()
  } catch (error) {
    await primary.stop()
    return startFailed(error, log)
  }
  let admin: AdminServer | undefined
  try {
    admin = await startAdmin(loaded, new ClusterBackend(primary), log)
  } catch (error) {
    await primary.stop()
    return startFailed(error, log)
  }
  log.info({ workers, listeners: loaded.config.listeners.map((l) => `${l.host ?? '0.0.0.0'}:${l.port}`) }, 'portico is listening')
  const source = new FileSource(
    { file: args.config, onChange: (text) => void primary.reload(text), onError: (error) => log.warn({ err: error }, 'config watcher error') },
    loaded.text,
  )
  if (args.watch) source.start()
  process.on('SIGHUP', () => source.trigger())
  return waitForStop(log, async () => {
    source.stop()
    await primary.stop()
    await admin?.close()
  })
}

function startFailed(error: unknown, log: Logger): number {
  if (error instanceof ConfigError) {
    for (const issue of error.issues) process.stderr.write(`  ${formatIssue(issue)}\n`)
    return 1
  }
  log.fatal({ err: error }, 'portico could not start')
  return 1
}

function logListening(gateway: Gateway, log: Logger): void {
  const addresses = gateway.listeners.map((l) => `${l.address?.address}:${l.address?.port}`)
  log.info({ listeners: addresses, generation: gateway.generation }, 'portico is listening')
}

/** Resolves with exit code 0 after SIGTERM or SIGINT and a graceful stop. */
function waitForStop(log: Logger, stop: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    let stopping = false
    const onSignal = (signal: NodeJS.Signals): void => {
      if (stopping) return
      stopping = true
      log.info({ signal }, 'draining in-flight requests, then stopping')
      stop().then(
        () => resolve(0),
        (error: Error) => {
          log.error({ err: error }, 'error while stopping')
          resolve(1)
        },
      )
    }
    process.once('SIGTERM', onSignal)
    process.once('SIGINT', onSignal)
  })
}

/** A module next to this one, with this module's extension (.js when built, .ts under tsx). */
function siblingModule(name: string): string {
  const self = fileURLToPath(import.meta.url)
  return join(dirname(self), `${name}${extname(self)}`)
}

function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
  return pkg.version
}
