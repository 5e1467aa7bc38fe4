// The balancer interface and the factory that picks one by name. A balancer chooses among the
// targets that are available now (see eligible.ts), skipping any already tried by this request.
import type { Target } from '../target.js'
import { HashBalancer } from './hash.js'
import { LeastRequestBalancer } from './least-request.js'
import { RandomBalancer } from './random.js'
import { RoundRobinBalancer } from './round-robin.js'

export interface Balancer {
  /**
   * @param key the value hashed by ip-hash / header-hash (ignored by the others)
   * @param tried targets this request already failed on; never chosen again for it
   */
  pick(targets: readonly Target[], now: number, key: string | undefined, tried: readonly Target[] | undefined): Target | undefined
}

export type BalanceAlgorithm = 'round-robin' | 'least-request' | 'random' | 'ip-hash' | 'header-hash'

export function createBalancer(algorithm: BalanceAlgorithm): Balancer {
  switch (algorithm) {
    case 'round-robin': return new RoundRobinBalancer()
    case 'least-request': return new LeastRequestBalancer()
    case 'random': return new RandomBalancer()
    case 'ip-hash': case 'header-hash': return new HashBalancer()
  }
}
