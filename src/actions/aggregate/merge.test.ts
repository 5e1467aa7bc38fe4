import { test } from 'node:test'
import assert from 'node:assert/strict'
import { compileSelection, mergeAnswer, selectFields } from './merge.js'

test('a selection keeps listed fields, nested paths and every item of a list', () => {
  const tree = compileSelection(['id', 'address.city', 'tags', 'items.sku', 'missing'])
  assert.deepEqual(tree, { id: true, address: { city: true }, tags: true, items: { sku: true }, missing: true })
  const value = { id: 1, secret: 'x', address: { city: 'Oslo', street: 'hidden' }, tags: ['a'], items: [{ sku: 'a', cost: 1 }, { sku: 'b' }, 'odd'] }
  assert.deepEqual(selectFields(value, tree), { id: 1, address: { city: 'Oslo' }, tags: ['a'], items: [{ sku: 'a' }, { sku: 'b' }, 'odd'] })
  assert.deepEqual(selectFields([{ id: 1, x: 2 }, { id: 3 }], compileSelection(['id'])), [{ id: 1 }, { id: 3 }])
  assert.equal(selectFields('scalar', tree), 'scalar')
  assert.equal(selectFields(null, tree), null)
})

test('selection is iterative: lists nested 200,000 deep do not overflow the stack; key order follows the selection', () => {
  const depth = 200_000
  const deep = JSON.parse(`${'['.repeat(depth)}{"id":1,"x":2}${']'.repeat(depth)}`) as unknown
  let node = selectFields(deep, compileSelection(['id']))
  for (let level = 0; level < depth; level++) {
    assert.ok(Array.isArray(node) && node.length === 1)
    node = (node as unknown[])[0]
  }
  assert.deepEqual(node, { id: 1 })
  const value = { c: 3, b: { y: 2, x: 1, z: 0 }, a: [{ k: 1, j: 2 }], d: 4 }
  const out = selectFields(value, compileSelection(['b.x', 'b.y', 'a.j', 'c']))
  assert.equal(JSON.stringify(out), JSON.stringify({ b: { x: 1, y: 2 }, a: [{ j: 2 }], c: 3 }))
})

test('a whole field wins over parts of it, in any order', () => {
  assert.deepEqual(compileSelection(['a.b', 'a']), { a: true })
  assert.deepEqual(compileSelection(['a', 'a.b']), { a: true })
})

test('selection copies only own keys, and a "__proto__" key stays data', () => {
  const value = JSON.parse('{"__proto__": {"polluted": true}, "id": 1}') as unknown
  const out = selectFields(value, compileSelection(['__proto__', 'id', 'toString'])) as Record<string, unknown>
  assert.deepEqual(Object.keys(out), ['__proto__', 'id'])
  assert.equal(({} as Record<string, unknown>).polluted, undefined)
  assert.equal(Object.getPrototypeOf(out), Object.prototype)
})

test('the merged answer has every key in order; failures are null and listed under _errors', () => {
  const slots = [
    { key: 'user', select: compileSelection(['id']) },
    { key: 'recentOrders', select: undefined },
    { key: 'company', select: undefined },
  ]
  const whole = mergeAnswer(slots, [{ id: 1, name: 'A' }, [1, 2], { n: 'c' }], [undefined, undefined, undefined])
  assert.deepEqual(whole, { body: { user: { id: 1 }, recentOrders: [1, 2], company: { n: 'c' } }, partial: false })
  const partial = mergeAnswer(slots, [{ id: 1 }, undefined, undefined], [
    undefined,
    { status: 502, code: 'ERR_UPSTREAM_STATUS', message: 'm', upstreamStatus: 500 },
    { status: 424, code: 'ERR_DEPENDENCY_FAILED', message: 'm', dependency: 'recentOrders' },
  ])
  assert.equal(partial.partial, true)
  assert.equal(JSON.stringify(partial.body), JSON.stringify({
    user: { id: 1 },
    recentOrders: null,
    company: null,
    _errors: {
      recentOrders: { status: 502, code: 'ERR_UPSTREAM_STATUS', upstreamStatus: 500 },
      company: { status: 424, code: 'ERR_DEPENDENCY_FAILED', dependency: 'recentOrders' },
    },
  }))
})

test('a null answer is a value, not a failure', () => {
  assert.deepEqual(mergeAnswer([{ key: 'a', select: undefined }], [null], [undefined]), { body: { a: null }, partial: false })
})
