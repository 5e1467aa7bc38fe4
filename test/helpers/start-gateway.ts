// Starts a real gateway in this process from YAML text, listening on 127.0.0.1 with port 0
// unless the YAML says otherwise, disposable with `await using`.
import { loadConfigText, type LoadedConfig } from '../../src/config/load-config.js'
import { ConfigError } from '../../src/config/config-issue.js'
import { createLogger, silentLogger, type Logger } from '../../src/observability/logger.js'
import { PolicyRegistry } from '../../src/policies/index.js'
import { Gateway } from '../../src/runtime/gateway.js'

export interface TestGateway extends AsyncDisposable {
  readonly gateway: Gateway
  /** `http://127.0.0.1:<port>` of the first listener. */
  readonly url: string
  readonly port: number
  reload(yaml: string): Promise<void>
  close(drainMs?: number): Promise<void>
}

export function loadTestConfig(yaml: string, env: NodeJS.ProcessEnv = {}, baseDir?: string): LoadedConfig {
  const result = loadConfigText(yaml, 'test.yaml', { policies: new PolicyRegistry(), env, ...(baseDir ? { baseDir } : {}) })
  if (!result.ok) throw new ConfigError(result.issues)
  return result.loaded
}

export async function startGateway(yaml: string, options: { log?: Logger; env?: NodeJS.ProcessEnv; baseDir?: string } = {}): Promise<TestGateway> {
  const log = options.log ?? (process.env.PORTICO_TEST_LOG ? createLogger('debug') : silentLogger())
  const gateway = await Gateway.start(loadTestConfig(yaml, options.env, options.baseDir), { log })
  const port = gateway.listeners[0]?.address?.port ?? 0
  const close = (drainMs = 1000): Promise<void> => gateway.close(drainMs)
  return {
    gateway,
    url: `http://127.0.0.1:${port}`,
    port,
    reload: async (text) => {
      await gateway.reload(loadTestConfig(text, options.env, options.baseDir))
    },
    close,
    [Symbol.asyncDispose]: () => close(),
  }
}

/** YAML for a gateway with one listener on port 0 and the given extra sections. */
export function gatewayYaml(rest: string): string {
  return `workers: 1\nlogging: { level: silent, accessLog: false }\nlisteners:\n  - { port: 0, host: 127.0.0.1 }\n${rest}`
}
