#!/usr/bin/env node
// The `portico` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import '../dist/cli/run.js'
