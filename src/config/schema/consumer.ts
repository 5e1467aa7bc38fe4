// Schema of `consumers:`: the identities authentication policies recognise. Credentials are never
// stored in the clear: API keys are hashed at load (or given as `sha256:<hex>`), passwords only
// as bcrypt or scrypt hashes (`portico hash-password` makes one).
import Type from 'typebox'
import { strictObject } from './common.js'

export const ConsumerSchema = strictObject({
  name: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.@-]*$', description: 'Unique name; sent upstream (e.g. X-Consumer) and used by rate limits and logs.', 'x-expected': 'a name of letters, digits, "_", ".", "@" or "-"' }),
  groups: Type.Optional(Type.Array(Type.String({ minLength: 1 }), { description: 'Groups for `authorize: { groups: [...] }`.' })),
  apiKeys: Type.Optional(Type.Array(Type.String({ minLength: 16 }), { description: 'API keys (at least 16 characters), or their SHA-256 as `sha256:<64 hex>`. Use ${ENV} to keep them out of the file.', 'x-expected': 'keys of at least 16 characters' })),
  basicAuth: Type.Optional(
    strictObject({
      username: Type.String({ minLength: 1, description: 'User name for HTTP Basic authentication.' }),
      password: Type.String({ pattern: '^(\\$2[aby]\\$\\d{2}\\$.{53}|\\$scrypt\\$ln=\\d+,r=\\d+,p=\\d+\\$[A-Za-z0-9+/]+\\$[A-Za-z0-9+/]+)$', description: 'bcrypt (`$2b$...`) or scrypt (`$scrypt$ln=..,r=..,p=..$salt$hash`) hash of the password.', 'x-expected': 'a bcrypt or scrypt password hash (make one with `portico hash-password`)' }),
    }),
  ),
})
