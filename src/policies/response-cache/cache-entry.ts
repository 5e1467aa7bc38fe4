// A stored response: metadata (status, headers, the times RFC 9111 age needs, freshness and stale
// allowances, validators) plus the body, serialized into one buffer for any store.
import type { HeaderList } from '../../exchange/header-list.js'

export interface CacheEntry {
  readonly status: number
  /** Flat lower-case header pairs as received, minus hop-by-hop and per-exchange fields. */
  readonly headers: string[]
  /** When the request that produced it was sent, and its response received (ms since epoch). */
  readonly requestTime: number
  readonly responseTime: number
  /** The Date header (ms) and Age header (ms) of the response, for the age calculation. */
  readonly dateValue: number
  readonly ageValue: number
  readonly freshnessMs: number
  readonly staleWhileRevalidateMs: number
  readonly staleIfErrorMs: number
  readonly etag: string | undefined
  readonly lastModified: string | undefined
  readonly body: Buffer
}

/** Stored at the primary key when the response varies: which request headers select a variant. */
export interface VaryIndex {
  readonly vary: readonly string[]
}

/** Fields never stored: they describe one exchange or one connection (RFC 9111 §3.1). */
const NOT_STORED = new Set(['x-request-id', 'age', 'x-cache', 'set-cookie', 'connection', 'keep-alive', 'transfer-encoding', 'proxy-connection', 'te', 'trailer', 'upgrade'])

export function storableHeaders(headers: HeaderList): string[] {
  const out: string[] = []
  const raw = headers.raw
  for (let i = 0; i < raw.length; i += 2) if (!NOT_STORED.has(raw[i] as string)) out.push(raw[i] as string, raw[i + 1] as string)
  return out
}

export function encodeEntry(entry: CacheEntry | VaryIndex): Buffer {
  const { body, ...meta } = 'body' in entry ? entry : { ...entry, body: Buffer.alloc(0) }
  const json = Buffer.from(JSON.stringify(meta))
  const length = Buffer.alloc(4)
  length.writeUInt32BE(json.length)
  return Buffer.concat([length, json, body])
}

export function decodeEntry(buffer: Buffer): CacheEntry | VaryIndex | undefined {
  if (buffer.length < 4) return undefined
  const length = buffer.readUInt32BE(0)
  if (buffer.length < 4 + length) return undefined
  try {
    const meta = JSON.parse(buffer.subarray(4, 4 + length).toString()) as Record<string, unknown>
    if (Array.isArray(meta.vary)) return { vary: meta.vary as string[] }
    return { ...(meta as Omit<CacheEntry, 'body'>), body: buffer.subarray(4 + length) }
  } catch {
    return undefined
  }
}
