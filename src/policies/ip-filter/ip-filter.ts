// `ipFilter`: allow and deny lists of IPv4/IPv6 addresses and CIDRs, checked against the client
// address (see exchange/client-address.ts for how proxies are trusted). Deny wins; with an allow
// list, everything not on it is refused. Lists are compiled once into CIDR sets.
import Type from 'typebox'
import { CidrSet } from '../../exchange/cidr-set.js'
import { LocalReply } from '../../exchange/local-reply.js'
import { definePolicy } from '../../pipeline/policy.js'

export const IpFilterOptions = Type.Object(
  {
    allow: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Only these addresses/CIDRs may call (when set).' })),
    deny: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'These addresses/CIDRs are refused (wins over allow).' })),
  },
  { additionalProperties: false, minProperties: 1, 'x-expected': 'allow and/or deny lists of addresses or CIDRs' },
)

export const ipFilter = definePolicy({
  name: 'ipFilter',
  stage: 'edge',
  options: IpFilterOptions,
  create(options) {
    const allow = options.allow === undefined ? undefined : new CidrSet(options.allow)
    const deny = new CidrSet(options.deny ?? [])
    return {
      onRequest(ex) {
        const ip = ex.client.ip
        if (deny.has(ip) || (allow !== undefined && !allow.has(ip))) {
          ex.logDetail = `ipFilter refused ${ip}`
          return LocalReply.fromCode('ERR_FORBIDDEN', 'Your address may not call this service')
        }
        return undefined
      },
    }
  },
})
