// Human durations in config ("250ms", "10s", "1m30s") and their conversion to milliseconds.
// YAML stays readable while the compiled config carries plain numbers (`timeoutMs`).

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 }

/** The pattern a duration string must match; also published in the JSON Schema. */
export const DURATION_PATTERN = '^([0-9]+(\\.[0-9]+)?(ms|s|m|h|d))+$'

const PART = /([0-9]+(?:\.[0-9]+)?)(ms|s|m|h|d)/g
const WHOLE = new RegExp(DURATION_PATTERN)

/**
 * Parses a duration such as `250ms`, `10s`, `1m30s` into milliseconds.
 * A bare number is taken as milliseconds. Returns undefined when the text is not a duration.
 * @example parseDuration('1m30s') // 90000
 */
export function parseDuration(value: string | number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) && value >= 0 ? value : undefined
  if (!WHOLE.test(value)) return undefined
  let total = 0
  for (const match of value.matchAll(PART)) {
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number)
  }
  return Math.round(total)
}

/** Formats milliseconds back into the shortest human form, for messages and `Retry-After`-style output. */
export function formatDuration(ms: number): string {
  if (ms % 3_600_000 === 0 && ms > 0) return `${ms / 3_600_000}h`
  if (ms % 60_000 === 0 && ms > 0) return `${ms / 60_000}m`
  if (ms % 1000 === 0 && ms > 0) return `${ms / 1000}s`
  return `${ms}ms`
}
