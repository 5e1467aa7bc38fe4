// `npm start`: starts the example services, then Portico on examples/portico.yaml.
import { fileURLToPath } from 'node:url'
import { startBackend } from './backends.mjs'
import { main } from '../dist/cli/main.js'

const backends = await Promise.all([startBackend('users-a', 3001), startBackend('users-b', 3002), startBackend('orders', 3003)])
console.log('example services on 127.0.0.1:3001, :3002 (users) and :3003 (orders)')
const config = fileURLToPath(new URL('./portico.yaml', import.meta.url))
const code = await main(['start', '--config', config, ...process.argv.slice(2)])
for (const server of backends) server.close()
process.exit(code)
