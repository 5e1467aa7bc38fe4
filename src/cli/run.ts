// Process entry: runs the CLI and exits with its code (bin/portico.js loads the compiled copy).
import { main } from './main.js'

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    process.exit(1)
  },
)
