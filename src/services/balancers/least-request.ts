// Least request: the target with the fewest requests in flight relative to its weight. Ties rotate,
// so an idle service still spreads its traffic instead of always using the first target.
import type { Target } from '../target.js'
import type { Balancer } from './balancer.js'
import { eligible } from './eligible.js'

export class LeastRequestBalancer implements Balancer {
  #offset = 0

  pick(targets: readonly Target[], now: number, _key: string | undefined, tried: readonly Target[] | undefined): Target | undefined {
    const count = targets.length
    if (count === 0) return undefined
    const start = this.#offset++ % count
    let best: Target | undefined
    let bestLoad = Infinity
    for (let n = 0; n < count; n++) {
      const target = targets[(start + n) % count] as Target
      if (!eligible(target, now, tried)) continue
      const load = (target.inflight + 1) / target.weight
      if (load < bestLoad) {
        best = target
        bestLoad = load
      }
    }
    return best
  }
}
