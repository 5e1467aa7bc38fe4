import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CircuitBreaker } from './circuit-breaker.js'

test('opens after consecutive failures and refuses during the cooldown', () => {
  const breaker = new CircuitBreaker(3, 1000)
  breaker.onFailure(0)
  breaker.onFailure(0)
  assert.equal(breaker.allow(0), true)
  breaker.onFailure(10)
  assert.equal(breaker.state, 'open')
  assert.equal(breaker.allow(500), false)
})

test('a success resets the count of consecutive failures', () => {
  const breaker = new CircuitBreaker(2, 1000)
  breaker.onFailure(0)
  breaker.onSuccess()
  breaker.onFailure(0)
  assert.equal(breaker.state, 'closed')
})

test('half-open lets exactly one trial through; its success closes the circuit', () => {
  const breaker = new CircuitBreaker(1, 1000)
  breaker.onFailure(0)
  assert.equal(breaker.allow(1000), true)
  assert.equal(breaker.state, 'half-open')
  assert.equal(breaker.allow(1001), false)
  breaker.onSuccess()
  assert.equal(breaker.state, 'closed')
  assert.equal(breaker.allow(1002), true)
})

test('a failed trial reopens the circuit for another cooldown', () => {
  const breaker = new CircuitBreaker(1, 1000)
  breaker.onFailure(0)
  assert.equal(breaker.allow(1000), true)
  breaker.onFailure(1000)
  assert.equal(breaker.state, 'open')
  assert.equal(breaker.allow(1500), false)
  assert.equal(breaker.allow(2000), true)
})

test('an abandoned trial frees the slot for the next request', () => {
  const breaker = new CircuitBreaker(1, 100)
  breaker.onFailure(0)
  assert.equal(breaker.allow(100), true)
  breaker.onAbandon()
  assert.equal(breaker.allow(101), true)
})
