// The embedded store for a single instance: rate-limit buckets in a Map (idle keys swept), and a
// response cache bounded by bytes with least-recently-used eviction.
import { hitWindows, type BucketCounts } from './sliding-window.js'
import type { RateDecision, RateWindow, Store } from './store.js'

interface CacheEntry {
  readonly value: Buffer
  readonly expiresAt: number
}

interface RateEntry {
  readonly counts: BucketCounts[]
  /** When every bucket of every window has left its window; the key can then be dropped. */
  idleAt: number
}

export interface MemoryStoreOptions {
  /** Most bytes of cached responses kept; the least recently used go first. */
  readonly cacheMaxBytes?: number
  /** Most rate-limit keys kept (the least recently used are dropped first). */
  readonly maxRateKeys?: number
  readonly now?: () => number
}

export class MemoryStore implements Store {
  readonly kind = 'memory'
  readonly #rates = new Map<string, RateEntry>()
  /** Insertion order is recency order: a hit re-inserts the entry at the end. */
  readonly #cache = new Map<string, CacheEntry>()
  #cacheBytes = 0
  readonly #cacheMaxBytes: number
  readonly #maxRateKeys: number
  readonly #now: () => number
  readonly #sweeper: NodeJS.Timeout

  constructor(options: MemoryStoreOptions = {}) {
    this.#cacheMaxBytes = options.cacheMaxBytes ?? 64 * 1024 * 1024
    this.#maxRateKeys = options.maxRateKeys ?? 1_000_000
    this.#now = options.now ?? Date.now
    this.#sweeper = setInterval(() => this.#sweep(), 10_000)
    this.#sweeper.unref()
  }

  async hit(key: string, windows: readonly RateWindow[], now = this.#now()): Promise<RateDecision> {
    const signature = `${key}\u0000${windows.map((w) => w.windowMs).join(',')}`
    let entry = this.#rates.get(signature)
    if (entry === undefined) {
      entry = { counts: windows.map(() => new Map()), idleAt: 0 }
      if (this.#rates.size >= this.#maxRateKeys) this.#rates.delete(this.#rates.keys().next().value as string)
    } else {
      this.#rates.delete(signature)
    }
    this.#rates.set(signature, entry)
    const decision = hitWindows(entry.counts, windows, now)
    entry.idleAt = now + Math.max(...windows.map((w) => w.windowMs)) * 2
    return decision
  }

  async get(key: string): Promise<Buffer | undefined> {
    const entry = this.#cache.get(key)
    if (entry === undefined) return undefined
    if (entry.expiresAt <= this.#now()) {
      this.#remove(key, entry)
      return undefined
    }
    this.#cache.delete(key)
    this.#cache.set(key, entry)
    return entry.value
  }

  async set(key: string, value: Buffer, ttlMs: number): Promise<void> {
    const previous = this.#cache.get(key)
    if (previous !== undefined) this.#remove(key, previous)
    if (value.length > this.#cacheMaxBytes) return
    this.#cache.set(key, { value, expiresAt: this.#now() + ttlMs })
    this.#cacheBytes += value.length
    for (const [oldKey, oldEntry] of this.#cache) {
      if (this.#cacheBytes <= this.#cacheMaxBytes) break
      this.#remove(oldKey, oldEntry)
    }
  }

  async delete(key: string): Promise<void> {
    const entry = this.#cache.get(key)
    if (entry !== undefined) this.#remove(key, entry)
  }

  async deletePrefix(prefix: string): Promise<number> {
    let removed = 0
    for (const [key, entry] of this.#cache) {
      if (!key.startsWith(prefix)) continue
      this.#remove(key, entry)
      removed++
    }
    return removed
  }

  /** Bytes of cached values held now (for tests and metrics). */
  get cacheBytes(): number {
    return this.#cacheBytes
  }

  async close(): Promise<void> {
    clearInterval(this.#sweeper)
    this.#rates.clear()
    this.#cache.clear()
    this.#cacheBytes = 0
  }

  #remove(key: string, entry: CacheEntry): void {
    this.#cache.delete(key)
    this.#cacheBytes -= entry.value.length
  }

  #sweep(): void {
    const now = this.#now()
    for (const [key, entry] of this.#rates) if (entry.idleAt <= now) this.#rates.delete(key)
    for (const [key, entry] of this.#cache) if (entry.expiresAt <= now) this.#remove(key, entry)
  }
}
