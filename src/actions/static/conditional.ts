// Validators and conditional requests for the static action (RFC 9110 §8.8, §13): a strong ETag
// from size and mtime, Last-Modified, and the precondition order of §13.2.2, so unchanged files
// cost a 304 and a stale edit a 412 instead of a transfer.
import type { IncomingHttpHeaders } from 'node:http'

/** What identifies one version of a representation. */
export interface Validators {
  /** Strong entity tag, quotes included. */
  readonly etag: string
  /** Modification time in whole seconds (HTTP-dates have no finer resolution), as ms since the epoch. */
  readonly lastModifiedMs: number
}

export type PreconditionOutcome = 'proceed' | 'not-modified' | 'failed'

/**
 * A strong ETag from size and mtime (to the millisecond), plus the
 * coding of a precompressed variant: each representation needs its own tag.
 * @example createEtag(1234, 1700000000123, 'br') // '"4d2-18bcfe5687b-br"'
 */
export function createEtag(size: number, mtimeMs: number, coding?: string): string {
  const tag = `${size.toString(16)}-${Math.floor(mtimeMs).toString(16)}`
  return coding === undefined ? `"${tag}"` : `"${tag}-${coding}"`
}

/** RFC 9110 §13.2.2, for GET and HEAD: 412 preconditions first, then the 304 ones. */
export function evaluatePreconditions(headers: IncomingHttpHeaders, validators: Validators): PreconditionOutcome {
  const ifMatch = headers['if-match']
  if (ifMatch !== undefined) {
    if (!matchesList(ifMatch, validators.etag, true)) return 'failed'
  } else {
    const unmodifiedSince = parseDate(headers['if-unmodified-since'])
    if (unmodifiedSince !== undefined && validators.lastModifiedMs > unmodifiedSince) return 'failed'
  }
  const ifNoneMatch = headers['if-none-match']
  if (ifNoneMatch !== undefined) return matchesList(ifNoneMatch, validators.etag, false) ? 'not-modified' : 'proceed'
  // If-None-Match, when present, overrides If-Modified-Since (RFC 9110 §13.1.3).
  const modifiedSince = parseDate(headers['if-modified-since'])
  if (modifiedSince !== undefined && validators.lastModifiedMs <= modifiedSince) return 'not-modified'
  return 'proceed'
}

/**
 * If-Range (RFC 9110 §13.1.5): whether the Range may be honoured. An entity tag must match
 * strongly; a date must equal Last-Modified. Otherwise the client gets the whole, newer file.
 */
export function rangeStillValid(ifRange: string | undefined, validators: Validators): boolean {
  if (ifRange === undefined) return true
  const value = ifRange.trim()
  if (value.startsWith('"') || value.startsWith('W/')) return value === validators.etag
  return parseDate(value) === validators.lastModifiedMs
}

/**
 * Whether a `*` or entity-tag list matches. If-Match compares strongly, If-None-Match weakly
 * (RFC 9110 §8.8.3.2). Tags are scanned as quoted strings: they may contain commas.
 */
export function matchesList(list: string, etag: string, strong: boolean): boolean {
  if (list.trim() === '*') return true
  let i = 0
  while (i < list.length) {
    const char = list.charCodeAt(i)
    if (char === 0x20 || char === 0x09 || char === 0x2c /* , */) {
      i++
      continue
    }
    let weak = false
    if (list.startsWith('W/', i)) {
      weak = true
      i += 2
    }
    if (list.charCodeAt(i) !== 0x22 /* " */) return false // not a list of entity tags
    const close = list.indexOf('"', i + 1)
    if (close === -1) return false
    if (list.slice(i, close + 1) === etag && !(strong && weak)) return true
    i = close + 1
  }
  return false
}

/** An HTTP-date as ms since the epoch, or undefined when absent or not a date (then it is ignored). */
function parseDate(value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  const ms = Date.parse(value)
  return Number.isNaN(ms) ? undefined : ms
}
