// Load balancing across real upstream targets: each algorithm's observable behaviour.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type Upstream } from '../helpers/start-upstream.js'
import { fetchRaw } from '../helpers/http-client.js'

async function twoTargets(handlerA?: Parameters<typeof startUpstream>[0]): Promise<[Upstream, Upstream]> {
  return [await startUpstream(handlerA ?? ((_q, r) => r.end('a')), { name: 'a' }), await startUpstream((_q, r) => r.end('b'), { name: 'b' })]
}

async function serviceGateway(a: Upstream, b: Upstream, settings: string) {
  return startGateway(gatewayYaml(`
services:
  app:
    targets: [{ url: ${a.url}, weight: ${/weightA: (\d+)/.exec(settings)?.[1] ?? 1} }, ${b.url}]
${settings.replace(/weightA: \d+\n?/, '')}
routes:
  - match: { path: /* }
    service: app
`))
}

test('round-robin follows the weights exactly, interleaved', async () => {
  const [a, b] = await twoTargets()
  await using gw = await serviceGateway(a, b, '    balance: round-robin\n    weightA: 2')
  const order: string[] = []
  for (let i = 0; i < 30; i++) order.push((await fetchRaw(`${gw.url}/`)).body)
  assert.equal(order.filter((x) => x === 'a').length, 20)
  assert.equal(order.filter((x) => x === 'b').length, 10)
  assert.ok(!order.join('').includes('bb'), 'smooth weighting never sends b twice in a row at weights 2:1')
  await a.close()
  await b.close()
})

test('least-request sends most traffic to the target that answers faster', async () => {
  const [a, b] = await twoTargets((_q, r) => setTimeout(() => r.end('a'), 150))
  await using gw = await serviceGateway(a, b, '    balance: least-request')
  const results: string[] = []
  // 4 concurrent clients, 10 requests each.
  await Promise.all(Array.from({ length: 4 }, async () => {
    for (let i = 0; i < 10; i++) results.push((await fetchRaw(`${gw.url}/`)).body)
  }))
  const slow = results.filter((x) => x === 'a').length
  assert.ok(slow <= 8, `the slow target got ${slow} of 40 requests`)
  await a.close()
  await b.close()
})

test('random spreads by weight', async () => {
  const [a, b] = await twoTargets()
  await using gw = await serviceGateway(a, b, '    balance: random\n    weightA: 3')
  let countA = 0
  for (let i = 0; i < 200; i++) if ((await fetchRaw(`${gw.url}/`)).body === 'a') countA++
  assert.ok(countA > 120 && countA < 180, `weight 3:1 gave a ${countA} of 200`)
  await a.close()
  await b.close()
})

test('ip-hash keeps each client address on one target and spreads addresses across targets', async () => {
  const [a, b] = await twoTargets()
  await using gw = await serviceGateway(a, b, '    balance: ip-hash')
  const chosen = new Map<string, Set<string>>()
  for (let host = 2; host < 22; host++) {
    const localAddress = `127.0.0.${host}`
    const seen = new Set<string>()
    for (let i = 0; i < 3; i++) seen.add((await fetchRaw(`${gw.url}/`, { localAddress })).body)
    chosen.set(localAddress, seen)
  }
  for (const [address, seen] of chosen) assert.equal(seen.size, 1, `${address} moved between targets`)
  const used = new Set([...chosen.values()].flatMap((s) => [...s]))
  assert.deepEqual([...used].sort(), ['a', 'b'])
  await a.close()
  await b.close()
})

test('header-hash keeps each header value on one target; a removed target only moves its own keys', async () => {
  const [a, b] = await twoTargets()
  const c = await startUpstream((_q, r) => r.end('c'), { name: 'c' })
  await using gw = await startGateway(gatewayYaml(`
services:
  app:
    targets: [${a.url}, ${b.url}, ${c.url}]
    balance: header-hash
    hashHeader: x-user
    retries: 0
    passiveHealth: { failures: 1, ejectFor: 1m }
routes:
  - match: { path: /* }
    service: app
`))
  const before = new Map<string, string>()
  for (let user = 0; user < 30; user++) {
    const seen = new Set<string>()
    for (let i = 0; i < 2; i++) seen.add((await fetchRaw(`${gw.url}/`, { headers: { 'x-user': `user-${user}` } })).body)
    assert.equal(seen.size, 1)
    before.set(`user-${user}`, [...seen][0] as string)
  }
  assert.equal(new Set(before.values()).size, 3, 'all three targets are used')
  // Take c away: its first failure ejects it (passive health), then its users move; others stay.
  await c.close()
  for (const [user, target] of before) {
    if (target !== 'c') continue
    await fetchRaw(`${gw.url}/`, { headers: { 'x-user': user } })
    break
  }
  for (const [user, target] of before) {
    const now = (await fetchRaw(`${gw.url}/`, { headers: { 'x-user': user } })).body
    if (target === 'c') assert.ok(now === 'a' || now === 'b')
    else assert.equal(now, target, `${user} moved although its target stayed`)
  }
  await a.close()
  await b.close()
})
