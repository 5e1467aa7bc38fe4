import { test } from 'node:test'
import assert from 'node:assert/strict'
import { formatDuration, parseDuration } from './duration.js'

test('parses single and compound durations', () => {
  assert.equal(parseDuration('250ms'), 250)
  assert.equal(parseDuration('10s'), 10_000)
  assert.equal(parseDuration('1m30s'), 90_000)
  assert.equal(parseDuration('1.5s'), 1500)
  assert.equal(parseDuration('2h'), 7_200_000)
  assert.equal(parseDuration(75), 75)
})

test('rejects text that is not a duration', () => {
  assert.equal(parseDuration('ten'), undefined)
  assert.equal(parseDuration('10'), undefined)
  assert.equal(parseDuration('10 s'), undefined)
  assert.equal(parseDuration(''), undefined)
  assert.equal(parseDuration(-1), undefined)
})

test('formats milliseconds in the largest exact unit', () => {
  assert.equal(formatDuration(60_000), '1m')
  assert.equal(formatDuration(1500), '1500ms')
  assert.equal(formatDuration(3_600_000), '1h')
})
