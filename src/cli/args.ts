// Command-line parsing for `portico`: a command and a few flags, with usage errors (exit 2) kept
// apart from config errors (exit 1).
import { parseArgs } from 'node:util'

export type Command = 'start' | 'validate' | 'schema' | 'hash-password' | 'help' | 'version'

export interface CliArgs {
  readonly command: Command
  readonly config: string
  readonly explain: boolean
  readonly watch: boolean
}

export class UsageError extends Error {}

export const USAGE = `Usage: portico <command> [options]

Commands:
  start       Start the gateway
  validate    Check a config file and list every problem (exit 1 if invalid)
  schema      Print the config's JSON Schema (for editor autocompletion)
  hash-password  Read a password on stdin, print its scrypt hash for consumers[].basicAuth

Options:
  -c, --config FILE   Config file (default: ./portico.yaml)
      --explain       validate: also print each route's match, action and policy chain
      --no-watch      start: do not reload when the config file changes (SIGHUP still reloads)
  -h, --help          Show this help
  -v, --version       Show the version

Exit codes: 0 success, 1 invalid config, 2 bad usage.`

export function parseCli(argv: readonly string[]): CliArgs {
  let parsed
  try {
    parsed = parseArgs({
      args: [...argv],
      allowPositionals: true,
      options: {
        config: { type: 'string', short: 'c' },
        explain: { type: 'boolean' },
        'no-watch': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
        version: { type: 'boolean', short: 'v' },
      },
    })
  } catch (error) {
    throw new UsageError((error as Error).message)
  }
  const { values, positionals } = parsed
  const base = { config: values.config ?? 'portico.yaml', explain: values.explain ?? false, watch: !(values['no-watch'] ?? false) }
  if (values.help) return { command: 'help', ...base }
  if (values.version) return { command: 'version', ...base }
  if (positionals.length === 0) throw new UsageError('missing command')
  if (positionals.length > 1) throw new UsageError(`unexpected argument "${positionals[1]}"`)
  const command = positionals[0] as string
  if (!['start', 'validate', 'schema', 'hash-password', 'help', 'version'].includes(command)) throw new UsageError(`unknown command "${command}"`)
  return { command: command as Command, ...base }
}
