// Weighted random choice among the available targets.
import type { Target } from '../target.js'
import type { Balancer } from './balancer.js'
import { eligible } from './eligible.js'

export class RandomBalancer implements Balancer {
  readonly #random: () => number

  constructor(random: () => number = Math.random) {
    this.#random = random
  }

  pick(targets: readonly Target[], now: number, _key: string | undefined, tried: readonly Target[] | undefined): Target | undefined {
    let total = 0
    for (const target of targets) if (eligible(target, now, tried)) total += target.weight
    if (total === 0) return undefined
    let point = this.#random() * total
    for (const target of targets) {
      if (!eligible(target, now, tried)) continue
      point -= target.weight
      if (point < 0) return target
    }
    return undefined
  }
}
