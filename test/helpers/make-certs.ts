// Generates a throwaway CA, server certificates (with SAN names) and a client certificate with
// the openssl CLI, in a temp directory, for real TLS handshakes in tests.
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

export interface CertPair {
  readonly cert: string
  readonly key: string
}

export interface TestPki {
  readonly dir: string
  readonly ca: string
  /** Issues a server certificate for the given DNS names (the first is the CN). */
  server(name: string, dnsNames: readonly string[]): CertPair
  /** Issues a client certificate with this CN. */
  client(commonName: string): CertPair
}

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: 'pipe' })
}

export function makePki(): TestPki {
  const dir = mkdtempSync(join(tmpdir(), 'portico-pki-'))
  openssl(['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Portico Test CA'], dir)
  const issue = (name: string, subject: string, extensions: string): CertPair => {
    writeFileSync(join(dir, `${name}.ext`), extensions)
    openssl(['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', subject], dir)
    openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir)
    return { cert: join(dir, `${name}.pem`), key: join(dir, `${name}.key`) }
  }
  return {
    dir,
    ca: join(dir, 'ca.pem'),
    server: (name, dnsNames) => issue(name, `/CN=${dnsNames[0]}`, `subjectAltName=${dnsNames.map((n) => `DNS:${n}`).join(',')}\nextendedKeyUsage=serverAuth\n`),
    client: (commonName) => issue(`client-${commonName}`, `/CN=${commonName}/O=Acme`, 'extendedKeyUsage=clientAuth\n'),
  }
}
