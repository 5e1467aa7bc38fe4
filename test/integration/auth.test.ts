// Authentication and authorization through real sockets: API keys, JWT (HMAC, PEM, JWKS with
// rotation and expiry), Basic auth, and per-route authorization, including the attack cases.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { createServer } from 'node:http'
import { createHash } from 'node:crypto'
import { exportJWK, exportSPKI, generateKeyPair, SignJWT, type CryptoKey, type JWK } from 'jose'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'
import { fetchRaw } from '../helpers/http-client.js'
import { captureLog } from '../helpers/capture-log.js'
import { hashPassword } from '../../src/policies/basic-auth/password-hash.js'

const ALICE_KEY = 'alice-key-0123456789abcdef'
const BOB_KEY = 'bob-key-0123456789abcdef!!'
const SECRET = 'a-very-long-hmac-secret-of-32-characters-or-more'

function errorCode(body: string): string {
  return (JSON.parse(body) as { error: { code: string } }).error.code
}

test('apiKey: the consumer goes upstream, the key never does; missing or wrong keys get 401 with a challenge', async () => {
  await using upstream = await startUpstream()
  const captured = captureLog()
  await using gw = await startGateway(gatewayYaml(`
consumers:
  - { name: alice, groups: [admins], apiKeys: ["${ALICE_KEY}"] }
  - { name: bob, apiKeys: ["sha256:${createHash('sha256').update(BOB_KEY).digest('hex')}"] }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - apiKey: { query: api_key }
`).replace('accessLog: false', 'accessLog: true').replace('level: silent', 'level: info'), { log: captured.log })
  let response = await fetchRaw(`${gw.url}/orders`, { headers: { 'x-api-key': ALICE_KEY, 'x-consumer': 'mallory' } })
  assert.equal(response.status, 200)
  let echoed = response.json<EchoBody>()
  assert.equal(echoed.headers['x-consumer'], 'alice')
  assert.equal(echoed.headers['x-consumer-groups'], 'admins')
  assert.equal(echoed.headers['x-api-key'], undefined)
  response = await fetchRaw(`${gw.url}/orders?api_key=${encodeURIComponent(BOB_KEY)}&page=2`)
  echoed = response.json<EchoBody>()
  assert.equal(echoed.headers['x-consumer'], 'bob')
  assert.equal(echoed.url, '/orders?page=2', 'the key is removed from the query')
  for (const headers of [{}, { 'x-api-key': 'wrong-key-0123456789abcdef' }] as Array<Record<string, string>>) {
    response = await fetchRaw(`${gw.url}/orders`, { headers })
    assert.equal(response.status, 401)
    assert.match(String(response.headers['www-authenticate']), /^ApiKey realm="portico"/)
    assert.equal(errorCode(response.body), 'ERR_UNAUTHORIZED')
    assert.doesNotMatch(response.body, /unknown|no API key/)
  }
  const reasons = captured.lines.filter((l) => l.log === 'access').map((l) => l.reason)
  assert.deepEqual(reasons.slice(-2), ['no API key', 'unknown API key'])
})

interface JwtSetup {
  privateKey: CryptoKey
  publicPem: string
  jwk: JWK
}

async function rsaKeys(kid: string): Promise<JwtSetup> {
  const { privateKey, publicKey } = await generateKeyPair('RS256', { extractable: true })
  return { privateKey, publicPem: await exportSPKI(publicKey), jwk: { ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' } }
}

function sign(claims: Record<string, unknown>, key: CryptoKey | Uint8Array, alg: string, kid?: string, options: { exp?: string | number | false } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg, ...(kid ? { kid } : {}) }).setIssuedAt()
  if (options.exp !== false) jwt.setExpirationTime(options.exp ?? '5m')
  return jwt.sign(key)
}

test('jwt with an HMAC secret: valid, expired, wrong audience, missing exp, alg none; claims forwarded; Bearer any case', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - jwt: { secret: "${SECRET}", audience: orders-api, issuer: https://issuer.test, forwardClaims: { sub: x-user-id, tenant: x-tenant } }
`))
  const key = new TextEncoder().encode(SECRET)
  const good = await sign({ sub: 'user-1', tenant: 'acme', aud: 'orders-api', iss: 'https://issuer.test' }, key, 'HS256')
  let response = await fetchRaw(`${gw.url}/x`, { headers: { authorization: `bearer ${good}`, 'x-user-id': 'forged' } })
  assert.equal(response.status, 200)
  const echoed = response.json<EchoBody>()
  assert.equal(echoed.headers['x-user-id'], 'user-1')
  assert.equal(echoed.headers['x-tenant'], 'acme')
  assert.equal(echoed.headers['x-consumer'], 'user-1')
  const refused = async (token: string, what: string): Promise<void> => {
    const answer = await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(answer.status, 401, what)
    assert.equal(answer.headers['www-authenticate'], 'Bearer realm="portico", error="invalid_token"', what)
  }
  await refused(await sign({ sub: 'u', aud: 'orders-api', iss: 'https://issuer.test' }, key, 'HS256', undefined, { exp: Math.floor(Date.now() / 1000) - 120 }), 'expired')
  await refused(await sign({ sub: 'u', aud: 'billing-api', iss: 'https://issuer.test' }, key, 'HS256'), 'wrong audience')
  await refused(await sign({ sub: 'u', aud: 'orders-api', iss: 'https://evil.test' }, key, 'HS256'), 'wrong issuer')
  await refused(await sign({ sub: 'u', aud: 'orders-api', iss: 'https://issuer.test' }, key, 'HS256', undefined, { exp: false }), 'no exp')
  await refused(await sign({ sub: 'u', aud: 'orders-api', iss: 'https://issuer.test', nbf: Math.floor(Date.now() / 1000) + 600 }, key, 'HS256'), 'not yet valid')
  await refused(await sign({ sub: 'u', aud: 'orders-api', iss: 'https://issuer.test' }, new TextEncoder().encode(`${SECRET}-other`), 'HS256'), 'wrong signature')
  const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')
  const payload = Buffer.from(JSON.stringify({ sub: 'admin', aud: 'orders-api', iss: 'https://issuer.test', exp: Math.floor(Date.now() / 1000) + 600 })).toString('base64url')
  await refused(`${header}.${payload}.`, 'alg none')
  response = await fetchRaw(`${gw.url}/x`)
  assert.equal(response.status, 401)
  assert.equal(response.headers['www-authenticate'], 'Bearer realm="portico"')
  // A token within the clock skew of nbf is accepted.
  response = await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${await sign({ sub: 'u', aud: 'orders-api', iss: 'https://issuer.test', nbf: Math.floor(Date.now() / 1000) + 10 }, key, 'HS256')}` } })
  assert.equal(response.status, 200)
})

test('jwt with a PEM public key refuses an HS256 token signed with that public key (key confusion)', async () => {
  const keys = await rsaKeys('k1')
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - jwt:
          publicKey: |
${keys.publicPem.trim().split('\n').map((line) => `            ${line}`).join('\n')}
          algorithms: [RS256]
`))
  const ok = await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${await sign({ sub: 'u' }, keys.privateKey, 'RS256')}` } })
  assert.equal(ok.status, 200)
  const forged = await sign({ sub: 'admin' }, new TextEncoder().encode(keys.publicPem), 'HS256')
  assert.equal((await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${forged}` } })).status, 401)
  // Configuring HS256 next to a public key is refused at load.
  await assert.rejects(
    startGateway(gatewayYaml(`
routes:
  - match: { path: /* }
    respond: { body: x }
    policies:
      - jwt: { publicKey: ${JSON.stringify(keys.publicPem)}, algorithms: [RS256, HS256] }
`)),
    /routes\[0\]\.policies\[0\]\.jwt: expected valid jwt options, found HS\* algorithms need `secret`/,
  )
})

test('jwt with a JWKS: a rotated key is fetched on its unknown kid (rate-limited), a removed key expires with jwksMaxAge', async () => {
  const first = await rsaKeys('key-1')
  const second = await rsaKeys('key-2')
  let keys: JWK[] = [first.jwk]
  let fetches = 0
  const jwks = createServer((_req, res) => {
    fetches++
    res.setHeader('content-type', 'application/json')
    res.end(JSON.stringify({ keys }))
  })
  await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve))
  const jwksUrl = `http://127.0.0.1:${(jwks.address() as { port: number }).port}/jwks.json`
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - jwt: { jwksUrl: "${jwksUrl}", jwksCooldown: 300ms, jwksMaxAge: 1s }
`))
  const call = async (token: string): Promise<number> => (await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${token}` } })).status
  const tokenOne = await sign({ sub: 'u' }, first.privateKey, 'RS256', 'key-1')
  assert.equal(await call(tokenOne), 200)
  assert.equal(fetches, 1)
  // Rotation: key-2 is published; a token signed with it triggers one refetch after the cooldown.
  keys = [first.jwk, second.jwk]
  await new Promise((resolve) => setTimeout(resolve, 350))
  const tokenTwo = await sign({ sub: 'u' }, second.privateKey, 'RS256', 'key-2')
  assert.equal(await call(tokenTwo), 200)
  assert.equal(fetches, 2)
  // A burst of tokens with unknown kids cannot make the gateway hammer the issuer.
  const unknown = await rsaKeys('key-x')
  const bogus = await sign({ sub: 'u' }, unknown.privateKey, 'RS256', 'key-x')
  for (let i = 0; i < 10; i++) assert.equal(await call(bogus), 401)
  assert.ok(fetches <= 3, `JWKS fetched ${fetches} times`)
  // key-1 is withdrawn: after jwksMaxAge the cached set is dropped and key-1 tokens are refused.
  keys = [second.jwk]
  await new Promise((resolve) => setTimeout(resolve, 1100))
  assert.equal(await call(tokenOne), 401)
  assert.equal(await call(tokenTwo), 200)
  jwks.close()
})

test('basicAuth checks bcrypt and scrypt hashes; authorize admits by consumer, group and JWT claims (401 vs 403)', async () => {
  await using upstream = await startUpstream()
  const scryptHash = await hashPassword('s3cret-carol')
  await using gw = await startGateway(gatewayYaml(`
consumers:
  - { name: alice, groups: [admins], basicAuth: { username: alice, password: "$2b$04$F2ytRHRcSH3QeI..m.RbMeA8321V4nqOv1Pj/zODCx.Z0Zp4A7Mze" } }
  - { name: carol, groups: [staff], basicAuth: { username: carol, password: "${scryptHash}" } }
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /admin/* }
    service: app
    policies:
      - basicAuth: {}
      - authorize: { groups: [admins] }
  - match: { path: /staff/* }
    service: app
    policies:
      - basicAuth: { realm: staff }
      - authorize: { consumers: [carol] }
  - match: { path: /orders/* }
    service: app
    policies:
      - jwt: { secret: "${SECRET}" }
      - authorize: { requireClaims: { scope: ["orders:read"] } }
`))
  const basic = (user: string, password: string): Record<string, string> => ({ authorization: `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}` })
  let response = await fetchRaw(`${gw.url}/admin/x`, { headers: basic('alice', 'alice-password') })
  assert.equal(response.status, 200)
  assert.equal(response.json<EchoBody>().headers.authorization, undefined, 'credentials are not forwarded')
  assert.equal(response.json<EchoBody>().headers['x-consumer'], 'alice')
  response = await fetchRaw(`${gw.url}/admin/x`, { headers: basic('alice', 'wrong') })
  assert.equal(response.status, 401)
  assert.equal(response.headers['www-authenticate'], 'Basic realm="portico", charset="UTF-8"')
  response = await fetchRaw(`${gw.url}/admin/x`, { headers: basic('carol', 's3cret-carol') })
  assert.equal(response.status, 403, 'carol is authenticated but not an admin')
  assert.equal(errorCode(response.body), 'ERR_FORBIDDEN')
  response = await fetchRaw(`${gw.url}/staff/x`, { headers: basic('carol', 's3cret-carol') })
  assert.equal(response.status, 200)
  response = await fetchRaw(`${gw.url}/staff/x`, { headers: basic('nobody', 'x') })
  assert.equal(response.status, 401)
  const key = new TextEncoder().encode(SECRET)
  response = await fetchRaw(`${gw.url}/orders/1`, { headers: { authorization: `Bearer ${await sign({ sub: 'u', scope: 'orders:read orders:write' }, key, 'HS256')}` } })
  assert.equal(response.status, 200)
  response = await fetchRaw(`${gw.url}/orders/1`, { headers: { authorization: `Bearer ${await sign({ sub: 'u', scope: 'profile' }, key, 'HS256')}` } })
  assert.equal(response.status, 403)
})

test('optional authentication never lets a client-supplied identity through', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - jwt: { secret: "${SECRET}", optional: true, forwardClaims: { sub: x-user-id } }
`))
  const anonymous = await fetchRaw(`${gw.url}/x`, { headers: { 'x-consumer': 'admin', 'x-consumer-groups': 'admins', 'x-user-id': 'root' } })
  assert.equal(anonymous.status, 200)
  const echoed = anonymous.json<EchoBody>()
  assert.equal(echoed.headers['x-consumer'], undefined)
  assert.equal(echoed.headers['x-consumer-groups'], undefined)
  assert.equal(echoed.headers['x-user-id'], undefined)
})

test('a JWT subject outside printable ASCII is forwarded percent-encoded, not turned into an upstream error', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}], circuitBreaker: { failures: 1 } }
routes:
  - match: { path: /* }
    service: app
    policies:
      - jwt: { secret: "${SECRET}", forwardClaims: { name: x-user-name } }
`))
  const token = await sign({ sub: '用户', name: 'Zoë\r\nX-Evil: 1' }, new TextEncoder().encode(SECRET), 'HS256')
  for (let i = 0; i < 3; i++) {
    const response = await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${token}` } })
    assert.equal(response.status, 200)
    const echoed = response.json<EchoBody>()
    assert.equal(echoed.headers['x-consumer'], encodeURIComponent('用户'))
    assert.equal(echoed.headers['x-user-name'], encodeURIComponent('Zoë\r\nX-Evil: 1'))
    assert.equal(echoed.headers['x-evil'], undefined)
  }
})

test('jwt requiredClaims refuses tokens without them', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
      - jwt: { secret: "${SECRET}", requiredClaims: [tenant, sub] }
`))
  const key = new TextEncoder().encode(SECRET)
  const call = async (claims: Record<string, unknown>) => (await fetchRaw(`${gw.url}/x`, { headers: { authorization: `Bearer ${await sign(claims, key, 'HS256')}` } })).status
  assert.equal(await call({ sub: 'u', tenant: 'acme' }), 200)
  assert.equal(await call({ sub: 'u' }), 401)
})
