// Smooth weighted round-robin, as nginx does it: weights 5,1,1 give a a b a c a a, spread out
// rather than bunched, and no allocation per pick.
import type { Target } from '../target.js'
import type { Balancer } from './balancer.js'
import { eligible } from './eligible.js'

export class RoundRobinBalancer implements Balancer {
  pick(targets: readonly Target[], now: number, _key: string | undefined, tried: readonly Target[] | undefined): Target | undefined {
    let best: Target | undefined
    let total = 0
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as Target
      if (!eligible(target, now, tried)) continue
      target.currentWeight += target.weight
      total += target.weight
      if (best === undefined || target.currentWeight > best.currentWeight) best = target
    }
    if (best !== undefined) best.currentWeight -= total
    return best
  }
}
