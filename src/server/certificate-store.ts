// The certificates of a TLS listener, chosen by SNI. Names come from the certificates themselves
// (SAN DNS names, else the CN): exact names first, then wildcards (`*.example.com` covers one
// label, RFC 6125 §6.4.3), then the default. Files are watched: a renewed certificate is loaded
// for new handshakes without dropping connections; a broken one is refused and the old one stays.
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { readFile } from 'node:fs/promises'
import { createSecureContext, type SecureContext, type SecureContextOptions } from 'node:tls'
import type { Logger } from '../observability/logger.js'
import { watchFiles, type FileWatch } from '../sources/watch-files.js'

export interface CertificateFiles {
  readonly cert: string
  readonly key: string
  readonly default?: boolean
}

export interface TlsSettings {
  readonly certificates: readonly CertificateFiles[]
  readonly minVersion: 'TLSv1.2' | 'TLSv1.3'
  readonly ciphers: string | undefined
  /** PEM file of CAs for client certificates (mutual TLS). */
  readonly clientCa: string | undefined
}

interface LoadedSet {
  readonly exact: Map<string, SecureContext>
  readonly wildcard: Map<string, SecureContext>
  readonly fallback: SecureContext
  /** Options of the default certificate, for `server.setSecureContext` (clients without SNI). */
  readonly defaultOptions: SecureContextOptions
  readonly names: readonly string[]
}

export class CertificateStore {
  readonly #settings: TlsSettings
  readonly #log: Logger
  #set: LoadedSet
  #watch: FileWatch | undefined

  private constructor(settings: TlsSettings, set: LoadedSet, log: Logger) {
    this.#settings = settings
    this.#set = set
    this.#log = log
  }

  /** Loads every certificate; throws with the file and the reason when one is unusable. */
  static async load(settings: TlsSettings, log: Logger): Promise<CertificateStore> {
    return new CertificateStore(settings, await loadSet(settings), log)
  }

  get defaultOptions(): SecureContextOptions {
    return this.#set.defaultOptions
  }

  /** Every name served, for logs and tests. */
  get names(): readonly string[] {
    return this.#set.names
  }

  /** The SNICallback for tls/https/http2 servers. */
  readonly sniCallback = (servername: string, callback: (error: Error | null, context?: SecureContext) => void): void => {
    callback(null, this.contextFor(servername))
  }

  contextFor(servername: string): SecureContext {
    const set = this.#set
    const name = servername.toLowerCase()
    const exact = set.exact.get(name)
    if (exact !== undefined) return exact
    const dot = name.indexOf('.')
    if (dot > 0) {
      const wildcard = set.wildcard.get(name.slice(dot + 1))
      if (wildcard !== undefined) return wildcard
    }
    return set.fallback
  }

  /** Re-reads the files; on success swaps them in and calls `onSwap` (to update the server default). */
  async reload(onSwap: (defaultOptions: SecureContextOptions) => void): Promise<boolean> {
    try {
      const next = await loadSet(this.#settings)
      this.#set = next
      onSwap(next.defaultOptions)
      this.#log.info({ names: next.names }, 'TLS certificates reloaded')
      return true
    } catch (error) {
      this.#log.error({ err: error }, 'TLS certificate reload refused; the previous certificates stay in use')
      return false
    }
  }

  watch(onSwap: (defaultOptions: SecureContextOptions) => void): void {
    const files = this.#settings.certificates.flatMap((c) => [c.cert, c.key])
    if (this.#settings.clientCa !== undefined) files.push(this.#settings.clientCa)
    this.#watch = watchFiles(files, () => void this.reload(onSwap), (error) => this.#log.warn({ err: error }, 'certificate watcher error'))
  }

  close(): void {
    this.#watch?.close()
  }
}

async function loadSet(settings: TlsSettings): Promise<LoadedSet> {
  const exact = new Map<string, SecureContext>()
  const wildcard = new Map<string, SecureContext>()
  const clientCa = settings.clientCa === undefined ? undefined : await readPem(settings.clientCa, 'client CA')
  let fallback: { context: SecureContext; options: SecureContextOptions } | undefined
  const names: string[] = []
  for (const files of settings.certificates) {
    const cert = await readPem(files.cert, 'certificate')
    const key = await readPem(files.key, 'private key')
    let x509: X509Certificate
    try {
      x509 = new X509Certificate(cert)
    } catch (error) {
      throw new Error(`${files.cert}: not a PEM certificate (${(error as Error).message})`)
    }
    const options: SecureContextOptions = { cert, key, minVersion: settings.minVersion, ...(settings.ciphers ? { ciphers: settings.ciphers } : {}), ...(clientCa ? { ca: clientCa } : {}) }
    let context: SecureContext
    try {
      context = createSecureContext(options)
    } catch (error) {
      throw new Error(`${files.cert} / ${files.key}: ${(error as Error).message}`)
    }
    if (!x509.checkPrivateKey(createPrivateKey(key))) throw new Error(`${files.key} is not the private key of ${files.cert}`)
    for (const name of certificateNames(x509)) {
      names.push(name)
      if (name.startsWith('*.')) {
        if (!wildcard.has(name.slice(2))) wildcard.set(name.slice(2), context)
      } else if (!exact.has(name)) exact.set(name, context)
    }
    if (fallback === undefined || files.default === true) fallback = { context, options }
  }
  if (fallback === undefined) throw new Error('no certificate configured')
  return { exact, wildcard, fallback: fallback.context, defaultOptions: fallback.options, names }
}

async function readPem(file: string, what: string): Promise<string> {
  try {
    return await readFile(file, 'utf8')
  } catch (error) {
    throw new Error(`${what} ${file} could not be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`)
  }
}

/** DNS names from the subjectAltName, or the CN when there are none; lower-case. */
export function certificateNames(x509: X509Certificate): string[] {
  const san = x509.subjectAltName
  if (san) {
    const names = san
      .split(',')
      .map((entry) => entry.trim())
      .filter((entry) => entry.startsWith('DNS:'))
      .map((entry) => entry.slice(4).toLowerCase())
    if (names.length > 0) return names
  }
  const cn = /(?:^|\n)CN=([^\n]+)/.exec(x509.subject)?.[1]
  return cn ? [cn.toLowerCase()] : []
}
