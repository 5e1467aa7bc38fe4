// Lower-case header names from undici's raw header buffers without allocating for the common
// ones: a response from an upstream repeats the same dozen names, so they are matched byte by
// byte (case-insensitively) against interned strings; anything else is decoded as latin1.

const COMMON = [
  'date', 'etag', 'vary', 'link', 'age', 'via',
  'server', 'expires', 'location', 'set-cookie', 'keep-alive', 'connection', 'x-request-id',
  'content-type', 'content-length', 'last-modified', 'cache-control', 'accept-ranges',
  'transfer-encoding', 'content-encoding', 'x-powered-by', 'x-frame-options', 'retry-after',
  'x-content-type-options', 'strict-transport-security', 'content-security-policy', 'www-authenticate',
  'access-control-allow-origin', 'content-disposition', 'pragma', 'trailer', 'upgrade',
]

/** Interned names by length; each with its bytes for the comparison. */
const BY_LENGTH: Array<Array<readonly [string, Buffer]>> = []
for (const name of COMMON) (BY_LENGTH[name.length] ??= []).push([name, Buffer.from(name, 'latin1')] as const)

export function lowerCaseHeaderName(raw: Buffer): string {
  const candidates = BY_LENGTH[raw.length]
  if (candidates !== undefined) {
    for (let c = 0; c < candidates.length; c++) {
      const [name, bytes] = candidates[c] as readonly [string, Buffer]
      let i = 0
      for (; i < raw.length; i++) {
        let byte = raw[i] as number
        if (byte >= 65 && byte <= 90) byte |= 0x20
        if (byte !== bytes[i]) break
      }
      if (i === raw.length) return name
    }
  }
  return raw.toString('latin1').toLowerCase()
}
