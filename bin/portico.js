#!/usr/bin/env -S node --max-semi-space-size=32
// The `portico` command. The TypeScript sources are compiled to dist/ by `npm install` (prepare).
import '../dist/cli/run.js'
