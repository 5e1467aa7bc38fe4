// Entry point of a cluster worker process (forked by the primary in runtime/cluster.ts).
import { createLogger, type LogLevel } from '../observability/logger.js'
import { runWorker } from '../runtime/cluster.js'

runWorker(createLogger((process.env.PORTICO_LOG_LEVEL as LogLevel | undefined) ?? 'info', { worker: process.env.NODE_UNIQUE_ID }))
