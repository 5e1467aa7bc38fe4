import { test } from 'node:test'
import assert from 'node:assert/strict'
import { continueTrace, formatTraceparent } from './trace-context.js'

test('a valid traceparent is continued: same trace, a new span whose parent is the caller', () => {
  const trace = continueTrace('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', 'vendor=x', 0)
  assert.equal(trace.traceId, '4bf92f3577b34da6a3ce929d0e0e4736')
  assert.equal(trace.parentSpanId, '00f067aa0ba902b7')
  assert.match(trace.spanId, /^[0-9a-f]{16}$/)
  assert.notEqual(trace.spanId, '00f067aa0ba902b7')
  assert.equal(trace.sampled, true, 'the caller decided; sampleRate applies to new traces only')
  assert.equal(trace.traceState, 'vendor=x')
  assert.equal(formatTraceparent(trace), `00-4bf92f3577b34da6a3ce929d0e0e4736-${trace.spanId}-01`)
})

test('invalid headers start a new trace', () => {
  for (const header of ['garbage', '00-00000000000000000000000000000000-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01', 'ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01', '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra']) {
    const trace = continueTrace(header, undefined, 1)
    assert.notEqual(trace.traceId, '4bf92f3577b34da6a3ce929d0e0e4736', header)
    assert.equal(trace.parentSpanId, undefined)
  }
})

test('new traces are sampled at the configured rate; ids are unique', () => {
  assert.equal(continueTrace(undefined, undefined, 0.5, () => 0.4).sampled, true)
  assert.equal(continueTrace(undefined, undefined, 0.5, () => 0.6).sampled, false)
  const ids = new Set(Array.from({ length: 2000 }, () => continueTrace(undefined, undefined, 1).traceId))
  assert.equal(ids.size, 2000)
})
