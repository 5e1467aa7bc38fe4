// HTTP headers as one flat array `[name, value, name, value, ...]` with lower-case names: the form
// node:http's writeHead and undici's dispatch both accept, so headers cross the gateway without a
// per-request object per header.

export class HeaderList {
  /** The flat pairs; names are lower-case. Exposed for the hot path that hands it to sockets. */
  readonly raw: string[]

  constructor(raw: string[] = []) {
    this.raw = raw
  }

  /** The first value of `name` (lower-case), or undefined. */
  get(name: string): string | undefined {
    const raw = this.raw
    for (let i = 0; i < raw.length; i += 2) if (raw[i] === name) return raw[i + 1]
    return undefined
  }

  /** Every value of `name`, in order. */
  getAll(name: string): string[] {
    const values: string[] = []
    const raw = this.raw
    for (let i = 0; i < raw.length; i += 2) if (raw[i] === name) values.push(raw[i + 1] as string)
    return values
  }

  has(name: string): boolean {
    return this.get(name) !== undefined
  }

  /** Replaces every value of `name` with one value. */
  set(name: string, value: string): void {
    const lower = name.toLowerCase()
    this.delete(lower)
    this.raw.push(lower, value)
  }

  append(name: string, value: string): void {
    this.raw.push(name.toLowerCase(), value)
  }

  /** Removes every value of `name`; returns whether any was there. */
  delete(name: string): boolean {
    const lower = name.toLowerCase()
    const raw = this.raw
    let write = 0
    for (let read = 0; read < raw.length; read += 2) {
      if (raw[read] === lower) continue
      raw[write] = raw[read] as string
      raw[write + 1] = raw[read + 1] as string
      write += 2
    }
    const removed = write !== raw.length
    raw.length = write
    return removed
  }

  /** A plain object view, for logs and tests (joins repeated values with ", "). */
  toObject(): Record<string, string> {
    const out: Record<string, string> = {}
    for (let i = 0; i < this.raw.length; i += 2) {
      const name = this.raw[i] as string
      const value = this.raw[i + 1] as string
      out[name] = name in out ? `${out[name]}, ${value}` : value
    }
    return out
  }
}
