// A real pino logger whose JSON lines are kept in memory, so tests can check what was logged.
import { pino } from 'pino'
import type { Logger } from '../../src/observability/logger.js'

export interface CapturedLog {
  readonly log: Logger
  readonly lines: Array<Record<string, unknown>>
}

export function captureLog(): CapturedLog {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  return { log, lines }
}
