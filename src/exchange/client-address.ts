// The client's address. It is the TCP peer, unless the peer is a trusted proxy: then the
// X-Forwarded-For chain (or RFC 7239 Forwarded `for=`) is walked from the right, past every
// trusted hop, and the first untrusted address is the client. A header from an untrusted peer is
// never believed, so a client cannot choose the address that IP filters and rate limits see.
import { isIP } from 'node:net'
import type { CidrSet } from './cidr-set.js'

export function resolveClientIp(peer: string, xForwardedFor: string | undefined, forwarded: string | undefined, trusted: CidrSet): string {
  if (!trusted.has(peer)) return peer
  const hops = xForwardedFor !== undefined ? xForwardedFor.split(',').map((hop) => hop.trim()) : forwarded !== undefined ? forwardedFor(forwarded) : []
  let client = peer
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = normalizeAddress(hops[i] as string)
    if (hop === undefined) break // garbage: stop at the last address we could trust
    client = hop
    if (!trusted.has(hop)) break
  }
  return client
}

/** The `for=` values of a Forwarded header, in order (RFC 7239 §4, §6). */
export function forwardedFor(header: string): string[] {
  const values: string[] = []
  for (const element of header.split(',')) {
    for (const pair of element.split(';')) {
      const [key, value] = pair.split('=', 2)
      if (key?.trim().toLowerCase() === 'for' && value !== undefined) values.push(value.trim().replace(/^"|"$/g, ''))
    }
  }
  return values
}

/** `1.2.3.4`, `1.2.3.4:5678`, `[::1]`, `[::1]:80`, `::1` → the bare address; undefined if invalid. */
export function normalizeAddress(text: string): string | undefined {
  let address = text
  if (address.startsWith('[')) address = address.slice(1, address.indexOf(']'))
  else if (address.includes('.') && address.includes(':')) address = address.slice(0, address.lastIndexOf(':'))
  if (address.startsWith('::ffff:') && isIP(address.slice(7)) === 4) address = address.slice(7)
  return isIP(address) === 0 ? undefined : address
}
