// Schema of `listeners:`: where Portico accepts connections.
import Type from 'typebox'
import { strictObject } from './common.js'

export const ListenerSchema = strictObject({
  name: Type.Optional(Type.String({ minLength: 1, description: 'A name for logs and metrics; defaults to "host:port".' })),
  port: Type.Integer({ minimum: 0, maximum: 65535, description: 'TCP port to listen on (0 picks a free port).', 'x-expected': 'a port number from 0 to 65535' }),
  host: Type.Optional(Type.String({ minLength: 1, description: 'Address to bind; defaults to 0.0.0.0.' })),
})
