// The worker side of the cluster protocol (WorkerSession) against a fake gateway whose prepares
// finish when the test says so: late prepares after an abort or a newer commit are discarded,
// stale pending generations are dropped on commit, and a worker reports the generation it
// started on. The primary side runs in test/integration/cluster-reload.test.ts.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { loadConfigText, type LoadedConfig } from '../config/load-config.js'
import { ConfigError } from '../config/config-issue.js'
import { silentLogger } from '../observability/logger.js'
import { PolicyRegistry } from '../policies/index.js'
import { WorkerSession, type WorkerGateway, type WorkerMessage } from './cluster.js'

/** What the fake gateway prepares: its generation and the number of the prepare call. */
interface Prepared {
  readonly generation: number
  readonly call: number
}

class FakeGateway implements WorkerGateway<Prepared> {
  generation: number
  /** Prepares in progress, in call order; `finish` completes (or fails) one. */
  readonly calls: Array<{ readonly generation: number; finish(ok?: boolean): void }> = []
  readonly committed: Prepared[] = []
  readonly discarded: Prepared[] = []
  closed = false

  constructor(generation: number) {
    this.generation = generation
  }

  prepare(_loaded: LoadedConfig, generation: number): Promise<Prepared> {
    const call = this.calls.length
    return new Promise((resolve, reject) => {
      this.calls.push({ generation, finish: (ok = true) => (ok ? resolve({ generation, call }) : reject(new Error('does not compile'))) })
    })
  }

  commit(prepared: Prepared): void {
    this.committed.push(prepared)
    this.generation = prepared.generation
  }

  async discard(prepared: Prepared): Promise<void> {
    this.discarded.push(prepared)
  }

  async close(): Promise<void> {
    this.closed = true
  }
}

const loaded = ((): LoadedConfig => {
  const result = loadConfigText('listeners: [{ port: 8080 }]\nroutes: []\n', 'portico.yaml', { policies: new PolicyRegistry(), env: {} })
  assert.ok(result.ok, 'the test config is valid')
  return result.loaded
})()

/** A session on a fake gateway, with every reply it sent. */
function worker(options: { startFails?: boolean } = {}) {
  const replies: WorkerMessage[] = []
  const started: { gateway?: FakeGateway } = {}
  const session = new WorkerSession<Prepared, FakeGateway>({
    start: async (_loaded, generation) => {
      if (options.startFails) throw new ConfigError([])
      started.gateway = new FakeGateway(generation)
      return started.gateway
    },
    load: () => loaded,
    reply: (message) => replies.push(message),
    log: silentLogger(),
  })
  const gateway = (): FakeGateway => {
    assert.ok(started.gateway, 'the worker started')
    return started.gateway
  }
  return { session, replies, gateway }
}

/** Lets completed prepares run their continuations. */
const settle = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

test('a worker starts on the generation the primary sent and reports it', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 7)
  assert.equal(gateway().generation, 7)
  assert.deepEqual(replies, [{ type: 'started', generation: 7 }])
})

test('a worker that cannot start answers start-failed and rethrows', async () => {
  const { session, replies } = worker({ startFails: true })
  await assert.rejects(session.start('portico.yaml', '', 1))
  assert.equal(replies[0]?.type, 'start-failed')
})

test('prepare before the start, or of a generation not newer than the active one, is refused at once', async () => {
  const { session, replies, gateway } = worker()
  await session.prepare('portico.yaml', '', 2)
  await session.start('portico.yaml', '', 3)
  await session.prepare('portico.yaml', '', 3)
  await session.prepare('portico.yaml', '', 2)
  assert.deepEqual(
    replies.map((reply) => reply.type),
    ['prepare-failed', 'started', 'prepare-failed', 'prepare-failed'],
  )
  assert.equal(gateway().calls.length, 0)
})

test('prepare, then commit: the prepared snapshot becomes active', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 1)
  const preparing = session.prepare('portico.yaml', '', 2)
  gateway().calls[0]?.finish()
  await preparing
  session.commit(2)
  assert.deepEqual(replies.slice(1), [{ type: 'prepared', generation: 2 }])
  assert.deepEqual(gateway().committed, [{ generation: 2, call: 0 }])
  assert.deepEqual(gateway().discarded, [])
})

test('a prepare that completes after its abort is discarded, neither kept nor answered', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 1)
  const preparing = session.prepare('portico.yaml', '', 2)
  session.abort(2) // the primary timed out
  gateway().calls[0]?.finish()
  await preparing
  assert.deepEqual(gateway().discarded, [{ generation: 2, call: 0 }])
  assert.deepEqual(replies.slice(1), [], 'no late answer the primary could take for a retry')
  session.commit(2)
  assert.deepEqual(gateway().committed, [], 'nothing pending to commit')
  assert.equal(gateway().generation, 1)
})

test('a prepared snapshot is discarded on abort; a failed prepare is answered unless aborted', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 1)
  const prepared = session.prepare('portico.yaml', '', 2)
  gateway().calls[0]?.finish()
  await prepared
  session.abort(2)
  assert.deepEqual(gateway().discarded, [{ generation: 2, call: 0 }])
  const failing = session.prepare('portico.yaml', '', 2)
  gateway().calls[1]?.finish(false)
  await failing
  const aborted = session.prepare('portico.yaml', '', 2)
  session.abort(2)
  gateway().calls[2]?.finish(false)
  await aborted
  assert.deepEqual(replies.slice(1), [
    { type: 'prepared', generation: 2 },
    { type: 'prepare-failed', generation: 2, message: 'does not compile' },
  ])
})

test('a generation retried after an abort is prepared afresh; the late first attempt is dropped', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 1)
  const first = session.prepare('portico.yaml', '', 2)
  session.abort(2)
  // The next reload tries generation 2 again while the first attempt still compiles.
  const retry = session.prepare('portico.yaml', '', 2)
  gateway().calls[1]?.finish()
  await retry
  session.commit(2)
  gateway().calls[0]?.finish()
  await first
  assert.deepEqual(gateway().committed, [{ generation: 2, call: 1 }])
  assert.deepEqual(gateway().discarded, [{ generation: 2, call: 0 }])
  assert.deepEqual(replies.slice(1), [{ type: 'prepared', generation: 2 }])
})

test('a commit discards older pending generations, and a prepare it overtook when that completes', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 1)
  const two = session.prepare('portico.yaml', '', 2)
  gateway().calls[0]?.finish()
  await two
  const three = session.prepare('portico.yaml', '', 3)
  const four = session.prepare('portico.yaml', '', 4)
  gateway().calls[2]?.finish()
  await four
  session.commit(4)
  assert.deepEqual(gateway().committed, [{ generation: 4, call: 2 }])
  assert.deepEqual(gateway().discarded, [{ generation: 2, call: 0 }], 'the stale pending generation 2')
  gateway().calls[1]?.finish()
  await three
  assert.deepEqual(gateway().discarded, [
    { generation: 2, call: 0 },
    { generation: 3, call: 1 },
  ])
  assert.equal(gateway().generation, 4)
  assert.deepEqual(replies.at(-1), { type: 'prepare-failed', generation: 3, message: 'generation 4 became active first' })
  session.commit(3)
  assert.equal(gateway().generation, 4, 'an old commit changes nothing')
})

test('closing discards pending snapshots and prepares still compiling, then closes the gateway', async () => {
  const { session, replies, gateway } = worker()
  await session.start('portico.yaml', '', 1)
  const two = session.prepare('portico.yaml', '', 2)
  gateway().calls[0]?.finish()
  await two
  const three = session.prepare('portico.yaml', '', 3)
  await session.close()
  assert.equal(gateway().closed, true)
  gateway().calls[1]?.finish()
  await three
  await settle()
  assert.deepEqual(gateway().discarded, [
    { generation: 2, call: 0 },
    { generation: 3, call: 1 },
  ])
  assert.deepEqual(replies.slice(1), [{ type: 'prepared', generation: 2 }])
})
