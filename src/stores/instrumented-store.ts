// Wraps a store so every failed operation is counted (portico_store_errors_total): a Redis outage
// shows on a dashboard even when rate limits fail open and the cache quietly misses.
import type { RateDecision, RateWindow, Store } from './store.js'

export function instrumentStore(store: Store, onError: (operation: string) => void): Store {
  const counted = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run()
    } catch (error) {
      onError(operation)
      throw error
    }
  }
  return {
    kind: store.kind,
    hit: (key: string, windows: readonly RateWindow[], now?: number): Promise<RateDecision> => counted('hit', () => store.hit(key, windows, now)),
    get: (key: string) => counted('get', () => store.get(key)),
    set: (key: string, value: Buffer, ttlMs: number) => counted('set', () => store.set(key, value, ttlMs)),
    delete: (key: string) => counted('delete', () => store.delete(key)),
    deletePrefix: (prefix: string) => counted('deletePrefix', () => store.deletePrefix(prefix)),
    close: () => store.close(),
  }
}
