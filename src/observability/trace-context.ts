// W3C Trace Context (https://www.w3.org/TR/trace-context/): read an incoming `traceparent`, make
// the gateway's own span in that trace (or start a new trace), and write the header the upstream
// gets. Ids come from a pooled random buffer, so a request costs two hex slices, not two syscalls.
import { randomFillSync } from 'node:crypto'

export interface TraceContext {
  readonly traceId: string
  /** The gateway's span for this exchange. */
  readonly spanId: string
  /** The caller's span, when the request carried a traceparent. */
  readonly parentSpanId: string | undefined
  readonly sampled: boolean
  /** Vendor data carried along unchanged (`tracestate`). */
  readonly traceState: string | undefined
}

const TRACEPARENT = /^([0-9a-f]{2})-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})(-.*)?$/
const ZERO_TRACE = '0'.repeat(32)
const ZERO_SPAN = '0'.repeat(16)

const pool = Buffer.alloc(4096)
let offset = pool.length

function randomHex(bytes: number): string {
  if (offset + bytes > pool.length) {
    randomFillSync(pool)
    offset = 0
  }
  const hex = pool.toString('hex', offset, offset + bytes)
  offset += bytes
  return hex
}

/**
 * The exchange's trace: a child of a valid incoming `traceparent`, or a new trace sampled with
 * probability `sampleRate`. An invalid header (all-zero ids, version ff) starts a new trace.
 */
export function continueTrace(traceparent: string | undefined, traceState: string | undefined, sampleRate: number, random: () => number = Math.random): TraceContext {
  const match = traceparent === undefined ? null : TRACEPARENT.exec(traceparent.trim().toLowerCase())
  if (match !== null && match[1] !== 'ff' && match[2] !== ZERO_TRACE && match[3] !== ZERO_SPAN && (match[1] !== '00' || match[5] === undefined)) {
    return { traceId: match[2] as string, spanId: randomHex(8), parentSpanId: match[3], sampled: (parseInt(match[4] as string, 16) & 1) === 1, traceState }
  }
  return { traceId: randomHex(16), spanId: randomHex(8), parentSpanId: undefined, sampled: sampleRate >= 1 || random() < sampleRate, traceState: undefined }
}

/** The `traceparent` sent upstream: the same trace, the gateway's span as the parent. */
export function formatTraceparent(trace: TraceContext): string {
  return `00-${trace.traceId}-${trace.spanId}-${trace.sampled ? '01' : '00'}`
}
