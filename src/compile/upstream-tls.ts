// Reads the files of a service's `tls:` section into the connect options of its pools. Upstream
// certificates are verified by default; skipping that must be asked for, and is logged.
import { createHash } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import { ConfigError } from '../config/config-issue.js'
import type { ServiceConfig } from '../config/schema/root.js'
import type { Logger } from '../observability/logger.js'

export interface UpstreamTls {
  readonly options: ConnectionOptions
  /** Hash of the settings and file contents: a renewed CA or client certificate rebuilds the pools. */
  readonly fingerprint: string
}

export async function loadUpstreamTls(service: string, config: ServiceConfig['tls'], baseDir: string, log: Logger): Promise<UpstreamTls | undefined> {
  if (config === undefined) return undefined
  const read = async (key: 'ca' | 'cert' | 'key'): Promise<string | undefined> => {
    const file = config[key]
    if (file === undefined) return undefined
    try {
      return await readFile(resolve(baseDir, file), 'utf8')
    } catch (error) {
      throw new ConfigError([{ file: resolve(baseDir, file), line: 0, column: 0, path: `services.${service}.tls.${key}`, expected: 'a readable PEM file', found: (error as NodeJS.ErrnoException).code ?? 'an unreadable file' }])
    }
  }
  const [ca, cert, key] = await Promise.all([read('ca'), read('cert'), read('key')])
  if (config.insecureSkipVerify === true) log.warn({ service }, 'TLS verification of this service is disabled (tls.insecureSkipVerify); its traffic can be intercepted')
  const options: ConnectionOptions = {
    rejectUnauthorized: config.insecureSkipVerify !== true,
    ...(ca !== undefined ? { ca } : {}),
    ...(cert !== undefined ? { cert } : {}),
    ...(key !== undefined ? { key } : {}),
    ...(config.servername !== undefined ? { servername: config.servername } : {}),
  }
  const fingerprint = createHash('sha256').update(JSON.stringify([config, ca, cert, key])).digest('hex')
  return { options, fingerprint }
}
