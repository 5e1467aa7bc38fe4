// `portico validate --explain`: each route in precedence order with its match, action and the
// effective policy chain, as the gateway will run it.
import type { LoadedConfig } from '../config/load-config.js'
import { compileSnapshot, disposeSnapshot } from '../compile/compile-snapshot.js'
import { silentLogger } from '../observability/logger.js'
import { PolicyRegistry } from '../policies/index.js'
import { MemoryStore } from '../stores/memory-store.js'

export async function explainRoutes(loaded: LoadedConfig): Promise<string> {
  const store = new MemoryStore()
  const snapshot = await compileSnapshot(loaded, { registry: new PolicyRegistry(), log: silentLogger(), generation: 0, store })
  try {
    const lines = ['Routes, most specific first:']
    for (const route of snapshot.routes.ordered) {
      const match = loaded.config.routes[route.index]?.match ?? {}
      lines.push(`  ${route.name}  ${JSON.stringify(match)}`)
      lines.push(`    action: ${route.action.describe()}`)
      lines.push(`    policies: ${route.chain.names.length > 0 ? route.chain.names.join(' → ') : '(none)'}`)
    }
    return `${lines.join('\n')}\n`
  } finally {
    await disposeSnapshot(snapshot, undefined)
    await store.close()
  }
}
