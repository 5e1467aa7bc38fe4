// A set of IPv4/IPv6 addresses and CIDR ranges, compiled once into node's BlockList (a well-kept,
// native matcher) for the IP filter and the trusted-proxy check. IPv4-mapped IPv6 addresses
// (`::ffff:10.0.0.1`) match their IPv4 ranges.
import { BlockList, isIP } from 'node:net'

export interface ParsedCidr {
  readonly address: string
  readonly prefix: number
  readonly family: 'ipv4' | 'ipv6'
}

/** Parses `10.0.0.0/8`, `2001:db8::/32` or a single address; undefined when invalid. */
export function parseCidr(text: string): ParsedCidr | undefined {
  const [address = '', prefixText, ...rest] = text.trim().split('/')
  if (rest.length > 0) return undefined
  const version = isIP(address)
  if (version === 0) return undefined
  const max = version === 4 ? 32 : 128
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : Number.NaN
  if (!(prefix >= 0 && prefix <= max)) return undefined
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' }
}

export class CidrSet {
  readonly #list = new BlockList()
  readonly size: number

  /** @throws Error naming the first entry that is not an address or CIDR. */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const cidr = parseCidr(entry)
      if (cidr === undefined) throw new Error(`not an IP address or CIDR range: ${entry}`)
      this.#list.addSubnet(cidr.address, cidr.prefix, cidr.family)
    }
    this.size = entries.length
  }

  has(ip: string): boolean {
    if (this.size === 0) return false
    const version = isIP(ip)
    if (version === 0) return false
    if (version === 6 && ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4) return this.#list.check(ip.slice(7), 'ipv4')
    return this.#list.check(ip, version === 4 ? 'ipv4' : 'ipv6')
  }
}
