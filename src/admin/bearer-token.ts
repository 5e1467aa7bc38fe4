// Admin API authentication: `Authorization: Bearer <token>` (RFC 6750 §2.1) compared in constant
// time. Both sides are hashed first so the comparison takes as long whatever the lengths are.
import { createHash, timingSafeEqual } from 'node:crypto'

/**
 * Builds a check for one configured token.
 * @example
 * const isAuthorized = createBearerCheck('s3cret-admin-token')
 * isAuthorized('Bearer s3cret-admin-token') // true
 */
export function createBearerCheck(token: string): (authorization: string | undefined) => boolean {
  const expected = digest(token)
  return (authorization) => {
    if (authorization === undefined) return false
    // The scheme is case-insensitive (RFC 9110 §11.1); one or more spaces may follow it.
    const match = /^bearer +(\S+) *$/i.exec(authorization)
    if (match === null) return false
    return timingSafeEqual(digest(match[1] as string), expected)
  }
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest()
}
