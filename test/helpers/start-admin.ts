// Starts the admin API of an in-process test gateway on 127.0.0.1:0, disposable with `await using`,
// and a tiny client for it that sends the bearer token when one is given.
import { AdminServer } from '../../src/admin/admin-server.js'
import { GatewayBackend } from '../../src/admin/gateway-backend.js'
import { silentLogger } from '../../src/observability/logger.js'
import type { Gateway } from '../../src/runtime/gateway.js'
import { fetchRaw, type TestRequestOptions, type TestResponse } from './http-client.js'

export interface TestAdmin extends AsyncDisposable {
  readonly url: string
  /** A request to the admin API; `token` overrides the default one (`null` sends none). */
  request(path: string, options?: TestRequestOptions & { token?: string | null }): Promise<TestResponse>
}

export async function startAdmin(gateway: Gateway, options: { token?: string } = {}): Promise<TestAdmin> {
  const server = await AdminServer.start({ host: '127.0.0.1', port: 0, token: options.token, backend: new GatewayBackend(gateway), log: silentLogger() })
  const url = `http://127.0.0.1:${server.address.port}`
  return {
    url,
    request: (path, { token, ...rest } = {}) => adminRequest(url, path, token === undefined ? options.token : (token ?? undefined), rest),
    [Symbol.asyncDispose]: () => server.close(),
  }
}

/** A request to an admin API at `url`, with `Authorization: Bearer <token>` when a token is given. */
export function adminRequest(url: string, path: string, token: string | undefined, options: TestRequestOptions = {}): Promise<TestResponse> {
  const headers = { ...options.headers, ...(token === undefined ? {} : { authorization: `Bearer ${token}` }) }
  return fetchRaw(`${url}${path}`, { ...options, headers })
}

/** The value of one sample in a Prometheus text exposition, or undefined when absent. */
export function sampleValue(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  const wanted = Object.entries(labels).map(([key, value]) => `${key}="${value}"`)
  for (const line of text.split('\n')) {
    if (line.startsWith('#')) continue
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const present: string[] = (match[2] ?? '').match(/[a-zA-Z_]\w*="(?:[^"\\]|\\.)*"/g) ?? []
    if (present.length === wanted.length && wanted.every((pair) => present.includes(pair))) return Number(match[3])
  }
  return undefined
}
