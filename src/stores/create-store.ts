// Builds the configured store. It belongs to the gateway process, not to a config generation:
// counters and cached responses survive reloads (a changed `store:` needs a restart).
import type { StoreConfig } from '../config/schema/root.js'
import type { Logger } from '../observability/logger.js'
import { MemoryStore } from './memory-store.js'
import { RedisStore } from './redis-store.js'
import type { Store } from './store.js'

export async function createStore(config: StoreConfig | undefined, log: Logger, now?: () => number): Promise<Store> {
  if (config === undefined || config.type === 'memory') {
    return new MemoryStore({ ...(config?.cacheMaxSize !== undefined ? { cacheMaxBytes: config.cacheMaxSize } : {}), ...(now ? { now } : {}) })
  }
  const store = new RedisStore({ url: config.url, prefix: config.prefix ?? 'portico:', log: log.child({ store: 'redis' }) })
  if (!(await store.ready())) log.warn({ url: redactUrl(config.url) }, 'Redis store not reachable at startup; serving anyway (rate limits fail open or closed as configured)')
  return store
}

/** A Redis URL without its password, for logs. */
function redactUrl(url: string): string {
  return url.replace(/\/\/([^:@/]*):[^@/]*@/, '//$1:***@')
}
