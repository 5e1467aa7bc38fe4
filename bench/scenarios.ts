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

/** Where nginx keeps its proxy cache during a run (inside the bench's temp folder). */
export function nginxCacheDir(tmp: string): string {
  return `${tmp}/nginx-cache`
}

export const SCENARIOS: readonly Scenario[] = [
  { name: 'proxy-1k-c16', path: '/1k', connections: 16 },
  { name: 'proxy-1k-c256', path: '/1k', connections: 256 },
  { name: 'proxy-64k-c16', path: '/64k', connections: 16 },
  { name: 'proxy-64k-c256', path: '/64k', connections: 256 },
  {
    // Portico's response cache against nginx proxy_cache: both answer from memory after the first miss.
    name: 'cached-1k-c16',
    path: '/1k',
    connections: 16,
    proxies: ['nginx', 'portico'],
    nginxHttp: 'proxy_cache_path __CACHE_DIR__ keys_zone=bench:10m max_size=100m;',
    nginxLocation: 'proxy_cache bench; proxy_cache_valid 200 1m;',
    porticoRoute: '    policies:\n      - cache: {}',
  },
  {
    // A rate limit that is never reached: the cost of the check itself (memory store).
    name: 'ratelimited-1k-c16',
    path: '/1k',
    connections: 16,
    proxies: ['nginx', 'portico'],
    nginxHttp: 'limit_req_zone $binary_remote_addr zone=bench:10m rate=1000000r/s;',
    nginxLocation: 'limit_req zone=bench burst=1000000 nodelay;',
    porticoRoute: '    policies:\n      - rateLimit: { limit: 1000000000, window: 1m }',
  },
]
