// Holds the active snapshot. Activating a new one is a single assignment (atomic on Node's one
// thread): new exchanges pin it, in-flight ones finish on the snapshot they started with.
import type { Snapshot } from './snapshot.js'

export class GatewayRuntime {
  #current: Snapshot
  /** Older snapshots that still have exchanges in flight. */
  readonly #retiring = new Set<Snapshot>()
  /** Called with the outgoing snapshot once its last exchange finished. */
  readonly #onRetired: (old: Snapshot, next: Snapshot) => void

  constructor(initial: Snapshot, onRetired: (old: Snapshot, next: Snapshot) => void = () => {}) {
    this.#current = initial
    this.#onRetired = onRetired
  }

  get current(): Snapshot {
    return this.#current
  }

  /** Swaps in `next`; the previous snapshot is retired when its in-flight exchanges finish. */
  activate(next: Snapshot): void {
    const previous = this.#current
    if (previous === next) return
    this.#current = next
    this.#retiring.add(previous)
    previous.retire((old) => {
      this.#retiring.delete(old)
      this.#onRetired(old, next)
    })
  }

  /** Exchanges in flight across the active and retiring snapshots. */
  inflight(): number {
    let total = this.#current.inflight
    for (const snapshot of this.#retiring) total += snapshot.inflight
    return total
  }
}
