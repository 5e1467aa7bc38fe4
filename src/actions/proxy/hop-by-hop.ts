// Hop-by-hop headers (RFC 9110 §7.6.1): they describe one connection, so a proxy must not forward
// them: Connection and every header it names, plus the fixed list below.

/** Lower-case names that never cross the gateway. */
export const HOP_BY_HOP: Readonly<Record<string, true>> = Object.assign(Object.create(null) as Record<string, true>, {
  connection: true,
  'keep-alive': true,
  'proxy-connection': true,
  te: true,
  trailer: true,
  'transfer-encoding': true,
  upgrade: true,
})

const NONE: readonly string[] = Object.freeze([])

/** The header names a Connection header value lists (`close, X-Foo` → ['x-foo']), minus `close`/`keep-alive`. */
export function connectionListed(value: string): readonly string[] {
  // The usual values name no header: skip the split (nginx sends "keep-alive" on every response).
  if (value.length <= 10 && /^(keep-alive|close)$/i.test(value)) return NONE
  const names: string[] = []
  for (const token of value.split(',')) {
    const name = token.trim().toLowerCase()
    if (name !== '' && name !== 'close' && name !== 'keep-alive' && name !== 'upgrade') names.push(name)
  }
  return names
}

/** Removes the names listed by Connection from a flat lower-case header array, in place. */
export function removeListed(flat: string[], listed: readonly string[]): void {
  let write = 0
  for (let read = 0; read < flat.length; read += 2) {
    if (listed.includes(flat[read] as string)) continue
    flat[write] = flat[read] as string
    flat[write + 1] = flat[read + 1] as string
    write += 2
  }
  flat.length = write
}
