// The consumer: who is calling, as established by an authentication policy. Rate limits, logs,
// authorization and upstream headers read it from the exchange's typed state.
import { createHash, timingSafeEqual } from 'node:crypto'
import { stateKey } from './exchange-state.js'

export interface Consumer {
  readonly name: string
  readonly groups: ReadonlySet<string>
}

/** The authenticated consumer of an exchange. */
export const consumerKey = stateKey<Consumer>('consumer')
/** The verified JWT claims of an exchange (set by the jwt policy). */
export const claimsKey = stateKey<Readonly<Record<string, unknown>>>('jwt.claims')

export interface ConsumerRecord {
  readonly name: string
  readonly groups?: readonly string[]
  readonly apiKeys?: readonly string[]
  readonly basicAuth?: { readonly username: string; readonly password: string }
}

/** Consumers by credential, compiled at config load. Keys are kept only as SHA-256 digests. */
export class ConsumerDirectory {
  readonly #byKeyDigest = new Map<string, { digest: Buffer; consumer: Consumer }>()
  readonly #byUser = new Map<string, { passwordHash: string; consumer: Consumer }>()
  readonly #byName = new Map<string, Consumer>()

  constructor(records: readonly ConsumerRecord[] = []) {
    for (const record of records) {
      const consumer: Consumer = Object.freeze({ name: record.name, groups: new Set(record.groups ?? []) })
      this.#byName.set(record.name, consumer)
      for (const key of record.apiKeys ?? []) {
        const hex = key.startsWith('sha256:') ? key.slice(7).toLowerCase() : sha256Hex(key)
        this.#byKeyDigest.set(hex, { digest: Buffer.from(hex, 'hex'), consumer })
      }
      if (record.basicAuth) this.#byUser.set(record.basicAuth.username, { passwordHash: record.basicAuth.password, consumer })
    }
  }

  /** The consumer owning an API key. The digest is compared in constant time. */
  byApiKey(key: string): Consumer | undefined {
    const hex = sha256Hex(key)
    const entry = this.#byKeyDigest.get(hex)
    if (entry === undefined) return undefined
    return timingSafeEqual(entry.digest, Buffer.from(hex, 'hex')) ? entry.consumer : undefined
  }

  /** The consumer and password hash for a Basic auth user name. */
  byUsername(username: string): { passwordHash: string; consumer: Consumer } | undefined {
    return this.#byUser.get(username)
  }

  byName(name: string): Consumer | undefined {
    return this.#byName.get(name)
  }
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
