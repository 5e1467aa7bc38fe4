// Which targets a balancer may choose on this attempt.
import type { Target } from '../target.js'

/** Available now (healthy, not ejected) and not already tried by this request. */
export function eligible(target: Target, now: number, tried: readonly Target[] | undefined): boolean {
  return target.isAvailable(now) && (tried === undefined || !tried.includes(target))
}
