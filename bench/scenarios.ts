// The benchmark scenarios: each runs the same request against every proxy listed.

export interface Scenario {
  readonly name: string
  readonly path: string
  readonly connections: number
  /** Proxies to run (default: all). */
  readonly proxies?: readonly string[]
  /** Extra nginx `http {}` and `location / {}` directives for this scenario. */
  readonly nginxHttp?: string
  readonly nginxLocation?: string
  /** Extra top-level Portico YAML, and extra keys under the bench route. */
  readonly porticoExtra?: string
  readonly porticoRoute?: string
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'proxy-1k-c16', path: '/1k', connections: 16 },
  { name: 'proxy-1k-c256', path: '/1k', connections: 256 },
  { name: 'proxy-64k-c16', path: '/64k', connections: 16 },
  { name: 'proxy-64k-c256', path: '/64k', connections: 256 },
]
