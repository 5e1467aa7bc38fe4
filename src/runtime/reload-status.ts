// What config loading has done lately: when the active config was loaded, and the last refused one
// (time and issues) until a later reload succeeds. The admin API reports it (/config, /readyz),
// and each outcome is counted in portico_config_reloads_total.
import { ConfigError, type ConfigIssue } from '../config/config-issue.js'
import type { PorticoMetrics } from '../observability/metrics.js'

export interface ReloadFailure {
  /** ISO time of the refusal. */
  readonly at: string
  readonly issues: readonly ConfigIssue[]
}

export type ReloadOutcome = { readonly ok: true; readonly generation: number; readonly hash: string } | { readonly ok: false; readonly issues: readonly ConfigIssue[] }

export class ReloadStatus {
  #loadedAt = new Date()
  #lastError: ReloadFailure | undefined
  readonly #metrics: PorticoMetrics

  constructor(metrics: PorticoMetrics) {
    this.#metrics = metrics
  }

  /** When the active config was loaded (start or the last successful reload). */
  get loadedAt(): Date {
    return this.#loadedAt
  }

  /** The last refused reload, cleared by the next successful one. */
  get lastError(): ReloadFailure | undefined {
    return this.#lastError
  }

  succeeded(): void {
    this.#loadedAt = new Date()
    this.#lastError = undefined
    this.#metrics.countReload('success')
  }

  failed(issues: readonly ConfigIssue[]): void {
    this.#lastError = { at: new Date().toISOString(), issues }
    this.#metrics.countReload('failure')
  }
}

/** The issues behind a failed compile: a ConfigError's own, or one issue carrying the message. */
export function issuesOf(error: unknown, file: string): readonly ConfigIssue[] {
  if (error instanceof ConfigError) return error.issues
  const message = error instanceof Error ? error.message : String(error)
  return [{ file, line: 0, column: 0, path: '(compile)', expected: 'a config that compiles', found: message }]
}
