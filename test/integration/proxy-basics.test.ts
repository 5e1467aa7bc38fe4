import { test } from 'node:test'
import assert from 'node:assert/strict'
import { request } from 'undici'
import { gatewayYaml, startGateway } from '../helpers/start-gateway.js'
import { startUpstream, type EchoBody } from '../helpers/start-upstream.js'

test('proxies a GET to the upstream and returns its answer with a request id', async () => {
  await using upstream = await startUpstream()
  await using gw = await startGateway(gatewayYaml(`
services:
  users: { targets: [${upstream.url}] }
routes:
  - name: users
    match: { path: /api/users/* }
    service: users
`))
  const response = await request(`${gw.url}/api/users/42?x=1`)
  assert.equal(response.statusCode, 200)
  const body = (await response.body.json()) as EchoBody
  assert.equal(body.url, '/api/users/42?x=1')
  assert.equal(body.method, 'GET')
  const requestId = response.headers['x-request-id']
  assert.equal(typeof requestId, 'string')
  assert.equal(body.headers['x-request-id'], requestId)
})

test('answers 404 with a JSON body when no route matches', async () => {
  await using gw = await startGateway(gatewayYaml(`
routes:
  - match: { path: /only }
    respond: { body: ok }
`))
  const response = await request(`${gw.url}/elsewhere`)
  assert.equal(response.statusCode, 404)
  const body = (await response.body.json()) as { error: { code: string }; status: number; requestId: string }
  assert.equal(body.error.code, 'ERR_ROUTE_NOT_FOUND')
  assert.equal(body.status, 404)
  assert.equal(body.requestId, response.headers['x-request-id'])
})
