// The policy mechanism: built-in header policies, global + route merging, `false` to drop a
// global entry, custom policy modules, and local replies passing back through outer policies.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { fileURLToPath } from 'node:url'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { fetchRaw } from '../helpers/http-client.js'
import { finished } from '../fixtures/policies/tenant.js'

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))

test('requestHeaders and responseHeaders edit both sides; a route entry replaces the global one', async () => {
  await using upstream = await startUpstream((req, res) => {
    res.setHeader('server', 'secret-server/1.0')
    res.setHeader('x-seen', String(req.headers['x-env'] ?? ''))
    res.end(JSON.stringify(req.headers))
  })
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
policies:
  - requestHeaders: { set: { x-env: global }, remove: [cookie] }
  - responseHeaders: { remove: [server], set: { x-frame-options: DENY } }
routes:
  - name: default
    match: { path: /default }
    service: app
  - name: override
    match: { path: /override }
    service: app
    policies:
      - requestHeaders: { set: { x-env: route }, add: { x-extra: one } }
  - name: no-response-edits
    match: { path: /raw }
    service: app
    policies:
      - responseHeaders: false
`))
  let response = await fetchRaw(`${gw.url}/default`, { headers: { cookie: 'session=1' } })
  let seen = response.json<Record<string, string>>()
  assert.equal(seen['x-env'], 'global')
  assert.equal(seen.cookie, undefined)
  assert.equal(response.headers.server, undefined)
  assert.equal(response.headers['x-frame-options'], 'DENY')
  response = await fetchRaw(`${gw.url}/override`, { headers: { cookie: 'session=1' } })
  seen = response.json<Record<string, string>>()
  assert.equal(seen['x-env'], 'route')
  assert.equal(seen['x-extra'], 'one')
  assert.equal(seen.cookie, 'session=1', 'the route entry replaced the global one entirely')
  response = await fetchRaw(`${gw.url}/raw`)
  assert.equal(response.headers.server, 'secret-server/1.0')
  assert.equal(response.headers['x-frame-options'], undefined)
})

test('a custom policy module validates its options, runs async hooks, and its refusals pass through outer policies', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(
    gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
policies:
  - responseHeaders: { set: { x-outer: yes } }
routes:
  - match: { path: /* }
    service: app
    policies:
      - module: ./policies/tenant.ts
        options: { header: X-Tenant, allowed: [acme, globex] }
`),
    { baseDir: fixtures },
  )
  finished.length = 0
  let response = await fetchRaw(`${gw.url}/orders`, { headers: { 'x-tenant': 'acme' } })
  assert.equal(response.status, 200)
  assert.equal(response.json<EchoBody>().headers['x-tenant-id'], 'acme')
  assert.equal(response.headers['x-served-tenant'], 'acme')
  assert.equal(response.headers['x-outer'], 'yes')
  response = await fetchRaw(`${gw.url}/orders`, { headers: { 'x-tenant': 'initech' } })
  assert.equal(response.status, 403)
  assert.equal(response.json<{ error: { code: string } }>().error.code, 'ERR_TENANT')
  assert.equal(response.headers['x-outer'], 'yes', 'the refusal went back through the policy outside it')
  assert.deepEqual(finished, ['acme:200', '-:403'])
})

test('a custom policy module with bad options is refused with the option path', async () => {
  await assert.rejects(
    startGateway(
      gatewayYaml(`
routes:
  - match: { path: /* }
    respond: { body: x }
    policies:
      - module: ./policies/tenant.ts
        options: { header: X-Tenant, allowed: [] }
`),
      { baseDir: fixtures },
    ),
    (error: Error) => {
      assert.match(error.message, /routes\[0\]\.policies\[0\]\.options\.allowed: expected at least 1 item\(s\), found a list of 0/)
      return true
    },
  )
  await assert.rejects(
    startGateway(gatewayYaml(`
routes:
  - match: { path: /* }
    respond: { body: x }
    policies:
      - module: ./does-not-exist.js
`), { baseDir: fixtures }),
    /routes\[0\]\.policies\[0\]\.module: expected a module whose default export is a policy/,
  )
})

test('an upstream that dies while an async onResponse hook holds the body does not crash the gateway', async () => {
  await using upstream = await startUpstream((_q, res) => {
    res.writeHead(200, { 'content-length': '100000' })
    res.write('partial')
    setTimeout(() => res.socket?.destroy(), 20)
  })
  await using gw = await startGateway(
    gatewayYaml(`
services:
  app: { targets: [${upstream.url}], retries: 0 }
routes:
  - match: { path: /broken }
    service: app
    policies:
      - module: ./policies/slow-response.ts
        options: { delayMs: 200 }
  - match: { path: /ok }
    respond: { body: fine }
`),
    { baseDir: fixtures },
  )
  await assert.rejects(fetchRaw(`${gw.url}/broken`, { timeoutMs: 3000 }))
  assert.equal((await fetchRaw(`${gw.url}/ok`)).body, 'fine')
})

test('a headers hook that throws on a streamed upstream answer gives the client a whole 500', async () => {
  await using upstream = await startUpstream((_q, res) => res.end('x'.repeat(100_000)))
  await using gw = await startGateway(
    gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - module: ./policies/broken-headers.ts
`),
    { baseDir: fixtures },
  )
  for (let i = 0; i < 3; i++) {
    const response = await fetchRaw(`${gw.url}/x`)
    assert.equal(response.status, 500)
    assert.equal(response.json<{ error: { code: string } }>().error.code, 'ERR_INTERNAL')
  }
})
