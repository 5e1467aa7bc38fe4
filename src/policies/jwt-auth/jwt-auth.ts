// `jwt`: verifies a bearer JSON Web Token with jose. Library defaults are not a gateway's, so:
// the algorithms are an allow-list that must fit the key type (an RSA public key can never act
// as an HMAC secret), `exp` is required unless disabled, nbf/exp get a bounded clock skew, and
// a JWKS is refetched on an unknown `kid` at most once per cooldown and trusted for at most
// `jwksMaxAge`, so a key removed from the set stops being accepted.
import { createPublicKey, type KeyObject } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose'
import type { StaticDecode } from 'typebox'
import { clearIdentityHeaders, forwardConsumer, headerSafe, unauthorized } from '../../exchange/auth-replies.js'
import { claimsKey, consumerKey, type Consumer } from '../../exchange/consumer.js'
import type { Exchange } from '../../exchange/exchange.js'
import { definePolicy } from '../../pipeline/policy.js'
import { JwtOptions } from './options.js'

type Options = StaticDecode<typeof JwtOptions>
const HMAC = new Set(['HS256', 'HS384', 'HS512'])
const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]+\.[A-Za-z0-9\-_]*)[ \t]*$/i
const CHALLENGE = 'Bearer realm="portico"'
const INVALID = 'Bearer realm="portico", error="invalid_token"'

export const jwtAuth = definePolicy({
  name: 'jwt',
  stage: 'authenticate',
  options: JwtOptions,
  async create(options, env) {
    const key = await keySource(options, env.baseDir)
    const algorithms = options.algorithms ?? (options.secret !== undefined ? ['HS256'] : ['RS256', 'ES256'])
    const usesHmac = algorithms.some((alg) => HMAC.has(alg))
    if (usesHmac && options.secret === undefined) throw new Error('HS* algorithms need `secret`; a public key or JWKS cannot be used as an HMAC secret')
    if (options.secret !== undefined && algorithms.some((alg) => !HMAC.has(alg))) throw new Error('with `secret`, only HS256, HS384 and HS512 are allowed')
    const required = [...new Set([...(options.requireExp === false ? [] : ['exp']), ...(options.requiredClaims ?? [])])]
    const verifyOptions = {
      algorithms,
      ...(options.issuer !== undefined ? { issuer: options.issuer } : {}),
      ...(options.audience !== undefined ? { audience: options.audience } : {}),
      clockTolerance: Math.round((options.clockSkew ?? 30_000) / 1000),
      requiredClaims: required,
    }
    const header = (options.header ?? 'authorization').toLowerCase()
    const forwarded = Object.entries(options.forwardClaims ?? {}).map(([claim, name]) => [claim, name.toLowerCase()] as const)
    const consumerClaim = options.consumerClaim ?? 'sub'
    const identityHeaders = ['x-consumer', 'x-consumer-groups', ...forwarded.map(([, name]) => name)]
    return {
      async onRequest(ex) {
        clearIdentityHeaders(ex, identityHeaders)
        const token = readToken(ex, header, options.cookie)
        if (token === undefined) return options.optional === true ? undefined : unauthorized(ex, CHALLENGE, 'no bearer token')
        let payload: JWTPayload
        try {
          payload = (await jwtVerify(token, key as JWTVerifyGetKey, { ...verifyOptions, currentDate: new Date(env.now()) })).payload
        } catch (error) {
          return unauthorized(ex, INVALID, describeFailure(error))
        }
        ex.state.set(claimsKey, payload)
        const headers = ex.upstreamRequest.headers
        if (options.hideCredentials === true) headers.delete(header)
        for (const [claim, name] of forwarded) {
          const value = payload[claim]
          if (value !== undefined) headers.set(name, headerSafe(typeof value === 'string' ? value : JSON.stringify(value)))
        }
        const subject = payload[consumerClaim]
        if (typeof subject === 'string') {
          const consumer: Consumer = env.consumers.byName(subject) ?? { name: subject, groups: new Set() }
          ex.state.set(consumerKey, consumer)
          forwardConsumer(ex, 'x-consumer', consumer)
        }
        return undefined
      },
    }
  },
})

/** The key (or key resolver) from whichever source the options name; exactly one is allowed. */
async function keySource(options: Options, baseDir: string): Promise<Uint8Array | KeyObject | JWTVerifyGetKey> {
  const sources = [options.jwksUrl, options.publicKey, options.secret].filter((s) => s !== undefined)
  if (sources.length !== 1) throw new Error('set exactly one of jwksUrl, publicKey or secret')
  if (options.secret !== undefined) return new TextEncoder().encode(options.secret)
  if (options.publicKey !== undefined) {
    const pem = options.publicKey.includes('-----BEGIN') ? options.publicKey : await readFile(resolve(baseDir, options.publicKey), 'utf8')
    const key = createPublicKey(pem)
    if (key.type !== 'public') throw new Error('publicKey must be a public key')
    return key
  }
  return createRemoteJWKSet(new URL(options.jwksUrl as string), {
    cacheMaxAge: options.jwksMaxAge ?? 600_000,
    cooldownDuration: options.jwksCooldown ?? 30_000,
    timeoutDuration: options.jwksTimeout ?? 5_000,
  })
}

function readToken(ex: Exchange, header: string, cookie: string | undefined): string | undefined {
  const value = ex.request.header(header)
  if (value !== undefined) return BEARER.exec(value)?.[1]
  if (cookie === undefined) return undefined
  for (const part of (ex.request.header('cookie') ?? '').split(';')) {
    const [name, token] = part.trim().split('=', 2)
    if (name === cookie && token !== undefined && token !== '') return token
  }
  return undefined
}

/** A short reason for the access log: jose's error code and message. */
function describeFailure(error: unknown): string {
  if (error instanceof joseErrors.JOSEError) return `${error.code}: ${error.message}`
  return `token verification failed: ${(error as Error).message}`
}
