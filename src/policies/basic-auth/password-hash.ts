// Password hashes for Basic auth: bcrypt (`$2b$...`, via bcryptjs) and scrypt in PHC form
// (`$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, via node:crypto on the thread pool). Verification is
// asynchronous and compares in constant time.
import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import bcrypt from 'bcryptjs'

const SCRYPT = /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/

function scryptAsync(password: string, salt: Buffer, length: number, options: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, length, options, (error, key) => (error ? reject(error) : resolve(key))))
}

export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (hash.startsWith('$2')) return bcrypt.compare(password, hash)
  const match = SCRYPT.exec(hash)
  if (match === null) return false
  const [, ln, r, p, salt, expected] = match as unknown as [string, string, string, string, string, string]
  const want = Buffer.from(expected, 'base64')
  const N = 2 ** Number(ln)
  const got = await scryptAsync(password, Buffer.from(salt, 'base64'), want.length, { N, r: Number(r), p: Number(p), maxmem: 256 * N * Number(r) })
  return got.length === want.length && timingSafeEqual(got, want)
}

/** A new scrypt PHC hash (ln=15, r=8, p=1: about 32 MiB and tens of milliseconds). */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16)
  const N = 2 ** 15
  const key = await scryptAsync(password, salt, 32, { N, r: 8, p: 1, maxmem: 256 * N * 8 })
  return `$scrypt$ln=15,r=8,p=1$${salt.toString('base64').replace(/=+$/, '')}$${key.toString('base64').replace(/=+$/, '')}`
}
