import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { ClientRequest } from '../exchange/client-request.js'
import { RouteMatcher, RouteTable, type RouteMatchSpec } from './route-table.js'

interface TestRoute {
  readonly name: string
  readonly index: number
  readonly matcher: RouteMatcher
}

function table(specs: Array<[string, RouteMatchSpec]>): RouteTable<TestRoute> {
  return new RouteTable(specs.map(([name, spec], index) => ({ name, index, matcher: new RouteMatcher(spec) })))
}

function requestFor(method: string, host: string, path: string, headers: Record<string, string> = {}, query = ''): ClientRequest {
  const raw = { method, headers: { host, ...headers } } as unknown as IncomingMessage
  return new ClientRequest(raw, path, query, host)
}

function lookup(routes: RouteTable<TestRoute>, method: string, host: string, path: string, headers?: Record<string, string>, query?: string): string | undefined {
  const found = routes.match(requestFor(method, host, path, headers, query))
  return found.route?.name
}

test('path precedence: literal, then param, then wildcard; exact end before a wildcard', () => {
  const routes = table([
    ['catch-all', { path: '/*' }],
    ['users-prefix', { path: '/users/*' }],
    ['user-by-id', { path: '/users/:id' }],
    ['me', { path: '/users/me' }],
    ['users-exact', { path: '/users' }],
  ])
  assert.equal(lookup(routes, 'GET', 'a', '/users/me'), 'me')
  assert.equal(lookup(routes, 'GET', 'a', '/users/42'), 'user-by-id')
  assert.equal(lookup(routes, 'GET', 'a', '/users/42/orders'), 'users-prefix')
  assert.equal(lookup(routes, 'GET', 'a', '/users'), 'users-exact')
  assert.equal(lookup(routes, 'GET', 'a', '/other'), 'catch-all')
})

test('a longer literal prefix beats a shorter one, whatever the file order', () => {
  const routes = table([
    ['api', { path: '/api/*' }],
    ['api-v2', { path: '/api/v2/*' }],
  ])
  assert.equal(lookup(routes, 'GET', 'a', '/api/v2/x'), 'api-v2')
  assert.equal(lookup(routes, 'GET', 'a', '/api/v1/x'), 'api')
  assert.equal(lookup(routes, 'GET', 'a', '/api'), 'api')
  assert.equal(lookup(routes, 'GET', 'a', '/apix'), undefined)
})

test('host: exact beats wildcard beats none; wildcard needs at least one label', () => {
  const routes = table([
    ['any', { path: '/*' }],
    ['wild', { host: '*.example.com', path: '/*' }],
    ['exact', { host: 'api.example.com', path: '/*' }],
  ])
  assert.equal(lookup(routes, 'GET', 'api.example.com', '/x'), 'exact')
  assert.equal(lookup(routes, 'GET', 'www.example.com', '/x'), 'wild')
  assert.equal(lookup(routes, 'GET', 'a.b.example.com', '/x'), 'wild')
  assert.equal(lookup(routes, 'GET', 'example.com', '/x'), 'any')
})

test('more conditions win over fewer; ties go to the file order', () => {
  const routes = table([
    ['plain', { path: '/x' }],
    ['v2', { path: '/x', headers: { 'X-Api-Version': '2' } }],
    ['v2-get', { path: '/x', methods: ['GET'], headers: { 'x-api-version': '2' } }],
    ['first', { path: '/y' }],
    ['second', { path: '/y' }],
  ])
  assert.equal(lookup(routes, 'GET', 'a', '/x', { 'x-api-version': '2' }), 'v2-get')
  assert.equal(lookup(routes, 'POST', 'a', '/x', { 'x-api-version': '2' }), 'v2')
  assert.equal(lookup(routes, 'GET', 'a', '/x'), 'plain')
  assert.equal(lookup(routes, 'GET', 'a', '/y'), 'first')
})

test('header and query conditions: exact, regex, present and absent', () => {
  const routes = table([
    ['beta', { path: '/q', query: { beta: '1' } }],
    ['regex', { path: '/q', headers: { 'x-tenant': { regex: 'acme-[0-9]+' } } }],
    ['absent', { path: '/q', headers: { authorization: { present: false } } }],
    ['fallback', { path: '/q' }],
  ])
  assert.equal(lookup(routes, 'GET', 'a', '/q', { authorization: 'x' }, 'beta=1'), 'beta')
  assert.equal(lookup(routes, 'GET', 'a', '/q', { 'x-tenant': 'acme-12', authorization: 'x' }), 'regex')
  assert.equal(lookup(routes, 'GET', 'a', '/q', { 'x-tenant': 'acme-12x', authorization: 'x' }), 'fallback')
  assert.equal(lookup(routes, 'GET', 'a', '/q'), 'absent')
})

test('a path that only fails on the method reports the allowed methods', () => {
  const routes = table([['get-only', { path: '/m', methods: ['GET', 'HEAD'] }]])
  const found = routes.match(requestFor('DELETE', 'a', '/m'))
  assert.equal(found.route, undefined)
  assert.ok(!('params' in found))
  assert.deepEqual([...(found.allowedMethods ?? [])], ['GET', 'HEAD'])
})

test('params are captured without decoding', () => {
  const routes = table([['file', { path: '/files/:name/*' }]])
  const found = routes.match(requestFor('GET', 'a', '/files/a%2Fb/x/y'))
  assert.deepEqual(found.route && found.params, { name: 'a%2Fb', '*': 'x/y' })
})
