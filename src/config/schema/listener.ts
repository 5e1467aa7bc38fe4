// Schema of `listeners:`: where Portico accepts connections, plain or TLS (with SNI, HTTP/2 and
// optional client certificates).
import Type from 'typebox'
import { strictObject } from './common.js'

export const CertificateSchema = strictObject({
  cert: Type.String({ minLength: 1, description: 'PEM certificate chain file. The names it serves (SAN DNS names, or the CN) are read from it.' }),
  key: Type.String({ minLength: 1, description: 'PEM private key file.' }),
  default: Type.Optional(Type.Boolean({ description: 'Serve this certificate when the client sends no or an unknown SNI name; default: the first one.' })),
})

export const TlsSchema = strictObject({
  certificates: Type.Array(CertificateSchema, { minItems: 1, description: 'Certificates, chosen by SNI. Files are watched and reloaded when they change.' }),
  minVersion: Type.Optional(Type.Enum(['TLSv1.2', 'TLSv1.3'], { description: 'Lowest TLS version accepted; default TLSv1.2.' })),
  ciphers: Type.Optional(Type.String({ minLength: 1, description: 'OpenSSL cipher list for TLS 1.2; default: Node.js defaults.' })),
  clientCertificate: Type.Optional(Type.Enum(['required', 'optional'], { description: 'Ask clients for a certificate (mutual TLS), verified against clientCa.' })),
  clientCa: Type.Optional(Type.String({ minLength: 1, description: 'PEM file of the CAs that sign client certificates.' })),
  forwardClientSubject: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9-]+$', description: 'Header that carries the verified client certificate subject upstream (a client-sent one is always removed).' })),
})

export const ListenerSchema = strictObject({
  name: Type.Optional(Type.String({ minLength: 1, description: 'A name for logs and metrics; defaults to "host:port".' })),
  port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port to listen on (0 picks a free port).', 'x-expected': 'a port number from 0 to 65535' }),
  host: Type.Optional(Type.String({ minLength: 1, description: 'Address to bind; defaults to 0.0.0.0.' })),
  tls: Type.Optional(TlsSchema),
  http2: Type.Optional(Type.Boolean({ description: 'Offer HTTP/2 by ALPN on a TLS listener (HTTP/1.1 stays available); default true.' })),
  redirectToHttps: Type.Optional(
    Type.Union([Type.Boolean(), strictObject({ port: Type.Integer({ minimum: 1, maximum: 65535 }) })], {
      description: 'Answer every request on this plain listener with a 308 to https (same host; optional port).',
      'x-expected': 'true, false or { port: 443 }',
    }),
  ),
})
