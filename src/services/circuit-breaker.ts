// A circuit breaker per service: after `failures` consecutive failed requests it opens and the
// gateway answers 503 at once instead of piling requests onto a service that is down. After the
// cooldown one trial request goes through (half-open): success closes it, failure reopens it.

export type CircuitState = 'closed' | 'open' | 'half-open'

export class CircuitBreaker {
  #state: CircuitState = 'closed'
  #failures = 0
  #openedAt = 0
  #trialInFlight = false
  readonly #threshold: number
  readonly #cooldownMs: number
  /** Called on every state change (logs, metrics). */
  onChange: ((state: CircuitState) => void) | undefined

  constructor(threshold: number, cooldownMs: number) {
    this.#threshold = threshold
    this.#cooldownMs = cooldownMs
  }

  get state(): CircuitState {
    return this.#state
  }

  /** Whether a request may go to the service now. A `true` in half-open is the one trial. */
  allow(now: number): boolean {
    if (this.#state === 'closed') return true
    if (this.#state === 'open') {
      if (now - this.#openedAt < this.#cooldownMs) return false
      this.#set('half-open')
    }
    if (this.#trialInFlight) return false
    this.#trialInFlight = true
    return true
  }

  onSuccess(): void {
    this.#failures = 0
    this.#trialInFlight = false
    if (this.#state !== 'closed') this.#set('closed')
  }

  onFailure(now: number): void {
    this.#trialInFlight = false
    if (this.#state === 'half-open') {
      this.#open(now)
      return
    }
    if (this.#state === 'closed' && ++this.#failures >= this.#threshold) this.#open(now)
  }

  /** A request ended with no verdict (the client left): free the trial slot. */
  onAbandon(): void {
    this.#trialInFlight = false
  }

  #open(now: number): void {
    this.#openedAt = now
    this.#failures = 0
    this.#set('open')
  }

  #set(state: CircuitState): void {
    this.#state = state
    this.onChange?.(state)
  }
}
