// Consistent hashing by a key (client IP or a header) with weighted rendezvous hashing (HRW): each
// target scores the key, the best score wins. When a target leaves, only its own keys move; when
// it returns they come back, with no ring to rebuild. A request without a key is spread randomly.
import type { Target } from '../target.js'
import type { Balancer } from './balancer.js'
import { eligible } from './eligible.js'

export class HashBalancer implements Balancer {
  pick(targets: readonly Target[], now: number, key: string | undefined, tried: readonly Target[] | undefined): Target | undefined {
    const keyHash = key === undefined || key === '' ? (Math.random() * 0xffffffff) >>> 0 : fnv1a(key)
    let best: Target | undefined
    let bestScore = -Infinity
    for (let i = 0; i < targets.length; i++) {
      const target = targets[i] as Target
      if (!eligible(target, now, tried)) continue
      // Weighted HRW: score = -weight / ln(u), u uniform in (0,1) from hash(key, target).
      const u = (mix(keyHash ^ target.hashSeed) + 0.5) / 4294967296
      const score = -target.weight / Math.log(u)
      if (score > bestScore) {
        best = target
        bestScore = score
      }
    }
    return best
  }
}

/** FNV-1a, 32 bits: fast and well spread for short keys such as IP addresses. */
export function fnv1a(text: string): number {
  let hash = 0x811c9dc5
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  return hash >>> 0
}

/** A 32-bit finalizer (murmur3 fmix32) so nearby inputs give unrelated outputs. */
function mix(value: number): number {
  let h = value >>> 0
  h ^= h >>> 16
  h = Math.imul(h, 0x85ebca6b)
  h ^= h >>> 13
  h = Math.imul(h, 0xc2b2ae35)
  h ^= h >>> 16
  return h >>> 0
}
