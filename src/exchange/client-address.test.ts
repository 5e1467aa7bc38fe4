import { test } from 'node:test'
import assert from 'node:assert/strict'
import { CidrSet, parseCidr } from './cidr-set.js'
import { forwardedFor, resolveClientIp } from './client-address.js'

const trusted = new CidrSet(['10.0.0.0/8', '2001:db8::/32'])

test('an untrusted peer is the client, whatever its headers say', () => {
  assert.equal(resolveClientIp('203.0.113.9', '6.6.6.6', undefined, trusted), '203.0.113.9')
})

test('from a trusted peer, X-Forwarded-For is walked from the right past trusted hops', () => {
  assert.equal(resolveClientIp('10.0.0.2', '6.6.6.6, 198.51.100.7, 10.1.1.1', undefined, trusted), '198.51.100.7')
  assert.equal(resolveClientIp('10.0.0.2', '10.2.2.2, 10.1.1.1', undefined, trusted), '10.2.2.2')
  assert.equal(resolveClientIp('10.0.0.2', undefined, undefined, trusted), '10.0.0.2')
  assert.equal(resolveClientIp('10.0.0.2', 'garbage, 198.51.100.7', undefined, trusted), '198.51.100.7')
  assert.equal(resolveClientIp('10.0.0.2', '198.51.100.7, not-an-ip', undefined, trusted), '10.0.0.2')
})

test('Forwarded for= values (quoted, bracketed IPv6, ports) are used when X-Forwarded-For is absent', () => {
  assert.deepEqual(forwardedFor('for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"'), ['192.0.2.60', '[2001:db8:cafe::17]:4711'])
  assert.equal(resolveClientIp('10.0.0.2', undefined, 'for=192.0.2.60;proto=http, for="[2001:db8:cafe::17]:4711"', trusted), '192.0.2.60')
})

test('CIDR sets match IPv4, IPv6 and IPv4-mapped addresses, and refuse bad entries', () => {
  assert.ok(trusted.has('10.200.0.1'))
  assert.ok(trusted.has('::ffff:10.1.2.3'))
  assert.ok(trusted.has('2001:db8:1::5'))
  assert.ok(!trusted.has('11.0.0.1'))
  assert.ok(!trusted.has('not-an-ip'))
  assert.equal(parseCidr('10.0.0.0/33'), undefined)
  assert.equal(parseCidr('10.0.0/8'), undefined)
  assert.deepEqual(parseCidr('::1'), { address: '::1', prefix: 128, family: 'ipv6' })
  assert.throws(() => new CidrSet(['10.0.0.0/8', 'nope']), /not an IP address or CIDR range: nope/)
})
