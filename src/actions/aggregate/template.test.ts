import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileTemplate, fieldValue, parsePathTemplate, renderTemplate, type ParsedTemplate } from './template.js'

function parsed(source: string): ParsedTemplate {
  const result = parsePathTemplate(source)
  assert.ok(result.ok, `expected ${source} to parse`)
  return result.template
}

function render(source: string, params: Record<string, string>, results: Record<string, unknown>) {
  const names = Object.keys(results)
  return renderTemplate(compileTemplate(parsed(source), (call) => names.indexOf(call)), params, Object.values(results))
}

test('params and fields are found where a segment or a query value starts', () => {
  const template = parsed('/users/:userId/orders?user=:userId&co={user.company.id}&x=a:b')
  assert.deepEqual(template.params, ['userId'])
  assert.deepEqual(template.calls, ['user'])
  assert.deepEqual(template.parts, [
    { kind: 'text', text: '/users/' },
    { kind: 'param', name: 'userId' },
    { kind: 'text', text: '/orders?user=' },
    { kind: 'param', name: 'userId' },
    { kind: 'text', text: '&co=' },
    { kind: 'field', call: 'user', field: ['company', 'id'], source: '{user.company.id}' },
    { kind: 'text', text: '&x=a:b' },
  ])
  assert.deepEqual(parsed('/v1/things:batch').parts, [{ kind: 'text', text: '/v1/things:batch' }], 'a colon inside a segment is literal')
  assert.deepEqual(parsed('/a/:1').parts, [{ kind: 'text', text: '/a/:1' }], 'not a param name')
})

test('malformed placeholders are reported as written', () => {
  assert.deepEqual(parsePathTemplate('/a/{user}/{1x.id}/{user..id}'), { ok: false, problems: ['{user}', '{1x.id}', '{user..id}'] })
  assert.deepEqual(parsePathTemplate('/a/{user.id'), { ok: false, problems: ['an unclosed { in "/a/{user.id"'] })
  assert.deepEqual(parsePathTemplate('/a/{user.{id}}'), { ok: false, problems: ['an unclosed { in "/a/{user.{id}}"'] })
  assert.deepEqual(parsePathTemplate('/a/b}'), { ok: false, problems: ['a } without { in "/a/b}"'] })
})

test('rendering encodes params and fields so they cannot add path segments or query parameters', () => {
  assert.deepEqual(render('/users/:id?q=:q', { id: 'a%20b', q: 'x%26y%3Dz' }, {}), { ok: true, path: '/users/a%20b?q=x%26y%3Dz' })
  assert.deepEqual(render('/c/{user.companyId}', {}, { user: { companyId: 'acme/../x?y=1' } }), { ok: true, path: '/c/acme%2F..%2Fx%3Fy%3D1' })
  assert.deepEqual(render('/c/{user.n}/{user.b}/{user.list.1}', {}, { user: { n: 42, b: true, list: ['a', 'b'] } }), { ok: true, path: '/c/42/true/b' })
})

test('a field that is missing or not a usable scalar fails the render', () => {
  assert.deepEqual(render('/c/{user.companyId}', {}, { user: { name: 'x' } }), { ok: false, problem: '{user.companyId} is missing' })
  assert.deepEqual(render('/c/{user.companyId}', {}, { user: undefined }), { ok: false, problem: '{user.companyId} is missing' })
  for (const [value, described] of [[null, 'null'], [{ a: 1 }, 'an object'], [[1], 'a list'], ['', 'an empty string'], ['..', '".."'], ['.', '"."']] as const) {
    assert.deepEqual(render('/c/{user.v}', {}, { user: { v: value } }), { ok: false, problem: `{user.v} is not a usable value (${described})` })
  }
  assert.deepEqual(render('/u/:id', {}, {}), { ok: false, problem: 'the route param :id is missing' })
})

test('field lookup reads own keys and list indexes only', () => {
  assert.equal(fieldValue({ a: { b: [1, 2] } }, ['a', 'b', '1']), 2)
  assert.equal(fieldValue({ a: [1] }, ['a', '01']), undefined)
  assert.equal(fieldValue({}, ['constructor']), undefined)
  assert.equal(fieldValue({ a: 'text' }, ['a', 'length']), undefined)
})
