// The `portico` command line: validate, schema, help and version, with their exit codes.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runPortico } from '../helpers/spawn-portico.js'
import { verifyPassword } from '../../src/policies/basic-auth/password-hash.js'

async function configFile(text: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'portico-cli-'))
  const file = join(dir, 'portico.yaml')
  await writeFile(file, text)
  return file
}

test('validate: 0 for a valid file, with --explain showing each route chain in precedence order', async () => {
  const file = await configFile(`
listeners: [{ port: 8080 }]
services:
  users: { targets: [http://127.0.0.1:3001] }
policies:
  - responseHeaders: { set: { x-a: b } }
routes:
  - name: all
    match: { path: /* }
    respond: { body: hi }
  - name: users
    match: { path: /users/:id }
    service: users
    policies:
      - requestHeaders: { set: { x-b: c } }
`)
  const { code, stdout } = await runPortico(['validate', '--config', file, '--explain'])
  assert.equal(code, 0)
  assert.match(stdout, /valid \(2 routes, 1 services\)/)
  const users = stdout.indexOf('  users')
  const all = stdout.indexOf('  all')
  assert.ok(users > 0 && users < all, 'the more specific route is listed first')
  assert.match(stdout, /policies: responseHeaders → requestHeaders/)
})

test('validate: 1 and every problem on stderr for an invalid file; 1 for a missing file', async () => {
  const file = await configFile('listeners: [{ port: 99999 }]\nroutes:\n  - match: { path: x }\n    service: nope\n')
  const { code, stderr } = await runPortico(['validate', '-c', file])
  assert.equal(code, 1)
  assert.match(stderr, /invalid config \(2 problems\)/)
  assert.match(stderr, /portico\.yaml:1:21 listeners\[0\]\.port: expected a port number from 0 to 65535, found 99999/)
  assert.match(stderr, /portico\.yaml:3:20 routes\[0\]\.match\.path: expected a path starting with \/, found "x"/)
  const missing = await runPortico(['validate', '-c', '/nonexistent/portico.yaml'])
  assert.equal(missing.code, 1)
  assert.match(missing.stderr, /expected a readable config file, found no such file/)
})

test('bad usage exits 2 with the usage text', async () => {
  for (const args of [['frobnicate'], [], ['validate', '--bogus'], ['start', 'extra']]) {
    const { code, stderr } = await runPortico(args)
    assert.equal(code, 2, args.join(' '))
    assert.match(stderr, /Usage: portico <command>/)
  }
})

test('schema prints the JSON Schema; --help and --version exit 0', async () => {
  const schema = await runPortico(['schema'])
  assert.equal(schema.code, 0)
  const parsed = JSON.parse(schema.stdout) as { $id: string; properties: Record<string, unknown>; additionalProperties: boolean }
  assert.equal(parsed.$id, 'https://portico.dev/schema/portico.json')
  assert.ok('routes' in parsed.properties && 'services' in parsed.properties)
  assert.equal(parsed.additionalProperties, false)
  assert.equal((await runPortico(['--help'])).code, 0)
  const version = await runPortico(['--version'])
  assert.equal(version.code, 0)
  assert.match(version.stdout, /^\d+\.\d+\.\d+/)
})

test('hash-password prints a scrypt hash that verifies the password', async () => {
  const { code, stdout } = await runPortico(['hash-password'], 'correct horse battery staple\n')
  assert.equal(code, 0)
  const hash = stdout.trim()
  assert.match(hash, /^\$scrypt\$ln=15,r=8,p=1\$/)
  assert.equal(await verifyPassword('correct horse battery staple', hash), true)
  assert.equal(await verifyPassword('wrong', hash), false)
})

test('validate also creates every policy, so options only creation can check are reported together', async () => {
  const file = await configFile(`
listeners: [{ port: 8080 }]
routes:
  - match: { path: /a }
    respond: { body: x }
    policies:
      - ipFilter: { deny: [10.0.0.0/99] }
      - rateLimit: { limit: 5 }
  - match: { path: /b }
    respond: { body: x }
    policies:
      - cors: { origins: ["*"], credentials: true }
`)
  const { code, stderr } = await runPortico(['validate', '-c', file])
  assert.equal(code, 1)
  assert.match(stderr, /invalid config \(3 problems\)/)
  assert.match(stderr, /portico\.yaml:7:9 routes\[0\]\.policies\[0\]\.ipFilter: expected valid ipFilter options, found not an IP address or CIDR range: 10\.0\.0\.0\/99/)
  assert.match(stderr, /routes\[0\]\.policies\[1\]\.rateLimit: expected valid rateLimit options, found limit and window go together/)
  assert.match(stderr, /routes\[1\]\.policies\[0\]\.cors: expected valid cors options, found origins "\*" cannot be combined with credentials: true/)
})
