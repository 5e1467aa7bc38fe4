// Runs the test suite with node:test. Node 20's --test does not expand globs, so the files are
// listed here: unit tests beside the code (src/**/*.test.ts), socket tests in test/integration.
// `npm test` = typecheck, then unit, then integration tests.
import { spawnSync } from 'node:child_process'
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

function find(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name)
    if (statSync(path).isDirectory()) find(path, out)
    else if (name.endsWith('.test.ts')) out.push(path)
  }
  return out
}

const which = process.argv[2] ?? 'all'
const run = (command, args) => {
  const result = spawnSync(command, args, { stdio: 'inherit' })
  if (result.status !== 0) process.exit(result.status ?? 1)
}

if (which === 'all') run('npx', ['tsc', '-p', 'tsconfig.check.json'])
const files = [
  ...(which === 'all' || which === 'unit' ? find('src').sort() : []),
  ...(which === 'all' || which === 'integration' ? find('test/integration').sort() : []),
]
const extra = process.env.PORTICO_TEST_ONLY ? ['--test-name-pattern', process.env.PORTICO_TEST_ONLY] : []
run(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', '--test-timeout=120000', ...extra, ...files])
