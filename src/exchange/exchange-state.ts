// Typed per-exchange slots: a policy declares `const consumerKey = stateKey<Consumer>('consumer')`
// once, then reads and writes `ex.state` with the value's type known and no string-typed bag.

/** A typed key for `Exchange.state`. */
export interface StateKey<T> {
  readonly name: string
  /** Phantom field: only carries the value type. */
  readonly __type?: T
}

/**
 * Declares a typed slot on the exchange.
 * @example
 * const tenantKey = stateKey<string>('tenant')
 * ex.state.set(tenantKey, 'acme'); ex.state.get(tenantKey) // string | undefined
 */
export function stateKey<T>(name: string): StateKey<T> {
  return Object.freeze({ name }) as StateKey<T>
}

export class ExchangeState {
  readonly #values = new Map<StateKey<unknown>, unknown>()

  get<T>(key: StateKey<T>): T | undefined {
    return this.#values.get(key) as T | undefined
  }

  set<T>(key: StateKey<T>, value: T): void {
    this.#values.set(key, value)
  }

  has(key: StateKey<unknown>): boolean {
    return this.#values.has(key)
  }

  delete(key: StateKey<unknown>): void {
    this.#values.delete(key)
  }
}
