// Runs the real `portico` CLI in a child process (from the TypeScript sources via tsx), for tests
// of signals, exit codes, cluster mode and file-based reloads.
import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'

const ENTRY = fileURLToPath(new URL('../../src/cli/run.ts', import.meta.url))

export interface PorticoProcess extends AsyncDisposable {
  readonly child: ChildProcess
  /** Everything written to stdout and stderr so far. */
  output(): string
  /** Resolves when the output contains `text`. */
  waitFor(text: string | RegExp, timeoutMs?: number): Promise<void>
  /** Sends a signal and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>
}

export function spawnPortico(args: string[], env: NodeJS.ProcessEnv = {}): PorticoProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()))
  const exited = once(child, 'exit').then(([code]) => code as number | null)
  const stop = async (signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> => {
    if (child.exitCode === null) child.kill(signal)
    return exited
  }
  return {
    child,
    output: () => output,
    async waitFor(text, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs
      while (Date.now() < deadline) {
        if (typeof text === 'string' ? output.includes(text) : text.test(output)) return
        if (child.exitCode !== null) throw new Error(`portico exited (${child.exitCode}) before printing ${text}:\n${output}`)
        await new Promise((resolve) => setTimeout(resolve, 25))
      }
      throw new Error(`timed out waiting for ${text}; output:\n${output}`)
    },
    stop,
    async [Symbol.asyncDispose]() {
      if (child.exitCode === null) {
        child.kill('SIGKILL')
        await exited
      }
    },
  }
}

/** Runs the CLI to completion and returns its exit code and output. */
export async function runPortico(args: string[], input?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', ENTRY, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] })
  if (input !== undefined) child.stdin?.end(input)
  let stdout = ''
  let stderr = ''
  child.stdout?.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [code] = (await once(child, 'exit')) as [number | null]
  return { code, stdout, stderr }
}
