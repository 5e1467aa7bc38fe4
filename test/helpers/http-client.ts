// A plain node:http client for tests that need full control of the request (arbitrary headers
// such as Connection or TE, a source address) and the raw response headers.
import { request as httpRequest, type IncomingHttpHeaders } from 'node:http'

export interface TestResponse {
  status: number
  headers: IncomingHttpHeaders
  rawHeaders: string[]
  body: string
  json<T = unknown>(): T
}

export interface TestRequestOptions {
  method?: string
  headers?: Record<string, string | string[]>
  body?: string | Buffer
  localAddress?: string
  timeoutMs?: number
}

export function fetchRaw(url: string, options: TestRequestOptions = {}): Promise<TestResponse> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers, agent: false, localAddress: options.localAddress, timeout: options.timeoutMs ?? 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => {
        const body = Buffer.concat(chunks).toString()
        resolve({ status: res.statusCode ?? 0, headers: res.headers, rawHeaders: res.rawHeaders, body, json: <T>() => JSON.parse(body) as T })
      })
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error('test request timed out')))
    req.on('error', reject)
    req.end(options.body)
  })
}

/** Waits until `check` returns true (polling), or fails after `timeoutMs`. */
export async function eventually(check: () => boolean | Promise<boolean>, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (await check()) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`timed out waiting for ${what}`)
}
