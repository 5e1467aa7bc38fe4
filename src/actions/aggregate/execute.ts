// Runs an aggregate plan: every call starts as soon as the calls it reads have answered (calls
// without dependencies start at once, in parallel), within one deadline. A required call that
// fails ends the run at once and aborts the calls still in flight; an optional one that fails
// fails its dependents as "dependency failed" instead of calling them with a broken path.
import { setMaxListeners } from 'node:events'
import { ERRORS, type ErrorCode } from '../../errors.js'
import type { CallFailure } from './merge.js'
import type { AggregatePlan, PlannedCall } from './plan.js'
import { renderTemplate } from './template.js'

export type CallResult = { readonly ok: true; readonly value: unknown } | { readonly ok: false; readonly failure: CallFailure }

/**
 * Sends one call and resolves with its JSON answer or why it failed; should not reject.
 * `deadline` is absolute (ms since the epoch): the earlier of the call's own timeout and the
 * aggregate's. `signal` aborts when the run ends early (a required call failed, the client left).
 */
export type CallRunner = (call: PlannedCall, path: string, signal: AbortSignal, deadline: number) => Promise<CallResult>

export interface ExecutionResult {
  /** Answers by plan index (undefined where a call failed or never ran). */
  readonly values: readonly unknown[]
  readonly failures: ReadonlyArray<CallFailure | undefined>
  /** The required call whose failure fails the whole request, and why. */
  readonly fatal: { readonly call: PlannedCall; readonly failure: CallFailure } | undefined
  /** The run was cancelled from outside (the client left) before it finished. */
  readonly aborted: boolean
}

export interface ExecuteOptions {
  readonly plan: AggregatePlan
  /** Route params for `:name` placeholders. */
  readonly params: Readonly<Record<string, string>>
  readonly run: CallRunner
  /** Cancels the whole run (the client went away). */
  readonly signal?: AbortSignal
  /** The default deadline of a call that sets none (its service's timeout), by call. */
  readonly callTimeoutMs: (call: PlannedCall) => number
  readonly now?: () => number
}

/** A failure from the error catalogue. */
export function failureOf(code: ErrorCode, message: string = ERRORS[code].message, upstreamStatus?: number): CallFailure {
  return { status: ERRORS[code].status, code, message, ...(upstreamStatus !== undefined ? { upstreamStatus } : {}) }
}

/** What an aborted call reports; never reaches a client, since the run is over by then. */
export const ABORTED: CallResult = { ok: false, failure: { status: 499, code: 'ERR_ABORTED', message: 'The call was cancelled' } }

export function executePlan(options: ExecuteOptions): Promise<ExecutionResult> {
  return new Promise((resolve) => new Execution(options, resolve).start())
}

/** One run's bookkeeping; settles once. */
class Execution {
  readonly #options: ExecuteOptions
  readonly #resolve: (result: ExecutionResult) => void
  readonly #controller = new AbortController()
  readonly #deadline: number
  readonly #values: unknown[]
  readonly #failures: Array<CallFailure | undefined>
  /** Per call: dependencies not answered yet. */
  readonly #waiting: number[]
  readonly #settled: boolean[]
  #settledCount = 0
  #done = false

  constructor(options: ExecuteOptions, resolve: (result: ExecutionResult) => void) {
    this.#options = options
    this.#resolve = resolve
    const calls = options.plan.calls
    this.#deadline = this.#now() + options.plan.timeoutMs
    this.#values = new Array<unknown>(calls.length)
    this.#failures = new Array<CallFailure | undefined>(calls.length)
    this.#waiting = calls.map((call) => call.dependsOn.length)
    this.#settled = calls.map(() => false)
    // Every attempt in flight listens on the run's signal; a plan may have more than ten calls.
    setMaxListeners(0, this.#controller.signal)
  }

  start(): void {
    const outside = this.#options.signal
    if (outside !== undefined) {
      if (outside.aborted) return this.#finish(undefined, true)
      outside.addEventListener('abort', () => this.#finish(undefined, true), { once: true })
    }
    for (const call of this.#options.plan.calls) if (call.dependsOn.length === 0) this.#startCall(call)
    if (this.#options.plan.calls.length === 0) this.#finish(undefined, false)
  }

  #now(): number {
    return (this.#options.now ?? Date.now)()
  }

  #startCall(call: PlannedCall): void {
    if (this.#done) return
    const rendered = renderTemplate(call.path, this.#options.params, this.#values)
    if (!rendered.ok) return this.#settle(call, { ok: false, failure: failureOf('ERR_AGGREGATE_FIELD', `The path of ${call.name} cannot be built: ${rendered.problem}`) })
    const now = this.#now()
    const deadline = Math.min(this.#deadline, now + (call.timeoutMs ?? this.#options.callTimeoutMs(call)))
    if (deadline <= now) return this.#settle(call, { ok: false, failure: failureOf('ERR_UPSTREAM_TIMEOUT') })
    this.#options.run(call, rendered.path, this.#controller.signal, deadline).then(
      (result) => this.#settle(call, result),
      (error: unknown) => this.#settle(call, { ok: false, failure: failureOf('ERR_INTERNAL', `The call ${call.name} failed unexpectedly: ${(error as Error)?.message ?? String(error)}`) }),
    )
  }

  #settle(call: PlannedCall, result: CallResult): void {
    if (this.#done || this.#settled[call.index] === true) return
    this.#settled[call.index] = true
    this.#settledCount++
    if (result.ok) {
      this.#values[call.index] = result.value
      for (const index of call.dependents) {
        const dependent = this.#options.plan.calls[index] as PlannedCall
        if (--(this.#waiting[index] as number) === 0 && this.#settled[index] !== true) this.#startCall(dependent)
      }
    } else {
      this.#failures[call.index] = result.failure
      if (!call.optional) return this.#finish({ call, failure: result.failure }, false)
      const fatal = this.#failDependents(call, call, result.failure)
      if (fatal !== undefined) return this.#finish(fatal, false)
    }
    if (this.#settledCount === this.#options.plan.calls.length) this.#finish(undefined, false)
  }

  /**
   * Marks everything downstream of a failed optional call as failed, without running it. A
   * required call among them fails the request with the root cause's status and code.
   */
  #failDependents(root: PlannedCall, failed: PlannedCall, cause: CallFailure): ExecutionResult['fatal'] {
    for (const index of failed.dependents) {
      if (this.#settled[index] === true) continue
      const dependent = this.#options.plan.calls[index] as PlannedCall
      this.#settled[index] = true
      this.#settledCount++
      const failure: CallFailure = { status: 424, code: 'ERR_DEPENDENCY_FAILED', message: `${dependent.name} needs ${failed.name}, which failed`, dependency: failed.key }
      this.#failures[index] = failure
      if (!dependent.optional) {
        return { call: dependent, failure: { status: cause.status, code: cause.code, message: `It needs ${root.name}, which failed: ${cause.message}` } }
      }
      const fatal = this.#failDependents(root, dependent, cause)
      if (fatal !== undefined) return fatal
    }
    return undefined
  }

  #finish(fatal: ExecutionResult['fatal'], aborted: boolean): void {
    if (this.#done) return
    this.#done = true
    // Whatever is still in flight is no longer wanted: a sibling failed or the client left.
    if (this.#settledCount < this.#options.plan.calls.length) this.#controller.abort(new Error(aborted ? 'the client went away' : 'the aggregation ended'))
    this.#resolve({ values: this.#values, failures: this.#failures, fatal, aborted })
  }
}
