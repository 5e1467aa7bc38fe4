import { test } from 'node:test'
import assert from 'node:assert/strict'
import { percentDecode, toHtmlForm, toSqlForm } from './normalize.js'

test('percentDecode decodes valid escapes as UTF-8 and leaves malformed ones and + alone', () => {
  assert.equal(percentDecode('%27%20or%201=1'), "' or 1=1")
  assert.equal(percentDecode('%2527'), '%27', 'one layer at a time')
  assert.equal(percentDecode(percentDecode('%2527')), "'")
  assert.equal(percentDecode('caf%C3%A9'), 'café')
  assert.equal(percentDecode('100% sure, 50%'), '100% sure, 50%')
  assert.equal(percentDecode('%zz%4'), '%zz%4')
  assert.equal(percentDecode('a+b'), 'a+b')
  assert.equal(percentDecode('%c0%ae'), '\ufffd\ufffd', 'overlong UTF-8 is not a dot')
  const plain = 'nothing to do'
  assert.equal(percentDecode(plain), plain)
})

test('toSqlForm replaces comments with a space, keeps versioned comment bodies and collapses whitespace', () => {
  assert.equal(toSqlForm('union/**/select'), 'union select')
  assert.equal(toSqlForm('union/* a comment */select'), 'union select')
  assert.equal(toSqlForm('/*!50000union*/ /*!select*/ 1'), ' union select 1')
  assert.equal(toSqlForm("1' or 1=1/* rest is hidden"), "1' or 1=1 ")
  assert.equal(toSqlForm('union\n\t select'), 'union select')
  assert.equal(toSqlForm('a  b'), 'a b')
  assert.equal(toSqlForm("' or--\n1=1"), "' or-- 1=1")
  const plain = 'one space only'
  assert.equal(toSqlForm(plain), plain)
})

test('toHtmlForm decodes named, decimal and hex references, legacy ones without ;, and twice', () => {
  assert.equal(toHtmlForm('&lt;svg onload=alert&#40;1&#41;&gt;'), '<svg onload=alert(1)>')
  assert.equal(toHtmlForm('&#x6a;avascript&colon;'), 'javascript:')
  assert.equal(toHtmlForm('&#0000106;&#x00006a;'), 'jj', 'leading zeros')
  assert.equal(toHtmlForm('&ltscript&gt'), '<script>')
  assert.equal(toHtmlForm('&amp;lt;script&amp;gt;'), '<script>')
  assert.equal(toHtmlForm('java&tab;script&newline;'), 'java\tscript\n')
  assert.equal(toHtmlForm('&#0;&#99999999;'), '\ufffd\ufffd', 'as browsers do')
  assert.equal(toHtmlForm('&unknown; &constructor; &__proto__;'), '&unknown; &constructor; &__proto__;')
  assert.equal(toHtmlForm('tom & jerry'), 'tom & jerry')
})
