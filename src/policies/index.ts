// The registry of built-in policies: the one place to add one. The config validator and the
// compiler both read it, so a policy listed here is validated, documented and creatable.
import { Compile } from 'typebox/compile'
import type { PolicyCatalog } from '../config/resolve.js'
import type { SchemaValidator } from '../config/validate.js'
import type { PolicyDefinition } from '../pipeline/policy.js'
import { compression } from './compression/compression.js'
import { requestHeaders } from './headers/request-headers.js'
import { responseHeaders } from './headers/response-headers.js'
import { ipFilter } from './ip-filter/ip-filter.js'
import { bodyLimit } from './body-limit/body-limit.js'
import { cors } from './cors/cors.js'
import { waf } from './waf/waf.js'
import { apiKeyAuth } from './api-key-auth/api-key-auth.js'
import { jwtAuth } from './jwt-auth/jwt-auth.js'
import { basicAuth } from './basic-auth/basic-auth.js'
import { authorize } from './authorize/authorize.js'
import { rateLimit } from './rate-limit/rate-limit.js'
import { responseCache } from './response-cache/response-cache.js'

/** One line per policy; the order here is only the order of the docs (stages decide the chain). */
export const BUILTIN_POLICIES: readonly PolicyDefinition[] = [
  ipFilter,
  bodyLimit,
  waf,
  cors,
  compression,
  apiKeyAuth,
  jwtAuth,
  basicAuth,
  authorize,
  rateLimit,
  responseCache,
  requestHeaders,
  responseHeaders,
] as readonly PolicyDefinition[]

/** Built-in policies by name, with their option validators compiled once. */
export class PolicyRegistry implements PolicyCatalog {
  readonly #definitions = new Map<string, PolicyDefinition>()
  readonly #validators = new Map<string, SchemaValidator>()

  constructor(definitions: readonly PolicyDefinition[] = BUILTIN_POLICIES) {
    for (const definition of definitions) this.#definitions.set(definition.name, definition)
  }

  definition(name: string): PolicyDefinition | undefined {
    return this.#definitions.get(name)
  }

  validator(name: string): SchemaValidator | undefined {
    const definition = this.#definitions.get(name)
    if (definition === undefined) return undefined
    let validator = this.#validators.get(name)
    if (validator === undefined) {
      validator = Compile(definition.options)
      this.#validators.set(name, validator)
    }
    return validator
  }

  names(): readonly string[] {
    return [...this.#definitions.keys()]
  }

  all(): readonly PolicyDefinition[] {
    return [...this.#definitions.values()]
  }
}
