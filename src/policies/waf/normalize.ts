// The normalizations a value goes through before signatures read it, each the way the component
// that will finally interpret the value would see it: percent-decoding (as a server does, once
// more to catch `%2527`), SQL comments and whitespace (as a database parser skips them), and HTML
// character references (as a browser decodes them). All are linear scans; none allocates when
// the value has nothing to normalize.

const HAS_ESCAPE = /%[0-9a-fA-F]{2}/
const ESCAPE_RUN = /(?:%[0-9a-fA-F]{2})+/g
const PERCENT = /%/g

/**
 * Decodes every valid `%XX` run as UTF-8 (bytes that are not UTF-8 become U+FFFD); malformed
 * escapes and `+` are left as they are, so decoding never fails.
 * @example percentDecode('%27%20or%201=1') // "' or 1=1"
 */
export function percentDecode(text: string): string {
  if (!HAS_ESCAPE.test(text)) return text
  return text.replace(ESCAPE_RUN, decodeEscapeRun)
}

/** Through a Buffer, not decodeURIComponent: bad UTF-8 must not cost a thrown exception per run. */
function decodeEscapeRun(run: string): string {
  return Buffer.from(run.replace(PERCENT, ''), 'hex').toString('utf8')
}

const NEEDS_SQL_FORM = /\/\*|\*\/|\s\s|[^\S ]/
const WHITESPACE_RUN = /\s+/g

/**
 * The `sql` form of a lower-case value: comments become one space and whitespace runs one space,
 * so `union/**\/select` and `union%0a%09select` both read `union select`. A MySQL versioned comment
 * (`/*!50000select*\/`) keeps its body, since MySQL runs it. An unterminated comment hides the
 * rest of the value, as it does for the database.
 */
export function toSqlForm(lower: string): string {
  if (!NEEDS_SQL_FORM.test(lower)) return lower
  const text = lower.includes('/*') || lower.includes('*/') ? stripSqlComments(lower) : lower
  return text.replace(WHITESPACE_RUN, ' ')
}

function stripSqlComments(text: string): string {
  let out = ''
  let at = 0
  while (at < text.length) {
    const open = text.indexOf('/*', at)
    if (open === -1) {
      out += text.slice(at)
      break
    }
    out += `${text.slice(at, open)} `
    if (text.charCodeAt(open + 2) === 33 /* ! */) {
      // Versioned comment: drop `/*!` and its version digits; the closing `*/` goes below.
      at = open + 3
      while (at < text.length && text.charCodeAt(at) >= 48 && text.charCodeAt(at) <= 57) at++
      continue
    }
    const close = text.indexOf('*/', open + 2)
    at = close === -1 ? text.length : close + 2
  }
  return out.includes('*/') ? out.replaceAll('*/', ' ') : out
}

const ENTITY = /&(?:#x([0-9a-f]+)|#([0-9]+)|([a-z][a-z0-9]{1,31}));?/g

const NAMED_ENTITIES = new Map<string, string>([
  ['lt', '<'], ['gt', '>'], ['quot', '"'], ['apos', "'"], ['amp', '&'], ['colon', ':'], ['tab', '\t'],
  ['newline', '\n'], ['lpar', '('], ['rpar', ')'], ['sol', '/'], ['bsol', '\\'], ['equals', '='],
  ['nbsp', '\u00a0'], ['grave', '`'], ['semi', ';'], ['comma', ','], ['period', '.'], ['excl', '!'],
  ['num', '#'], ['dollar', '$'], ['percnt', '%'], ['lsqb', '['], ['rsqb', ']'], ['lbrack', '['],
  ['rbrack', ']'], ['lcub', '{'], ['rcub', '}'], ['lbrace', '{'], ['rbrace', '}'], ['plus', '+'],
  ['ast', '*'], ['quest', '?'], ['commat', '@'], ['vert', '|'], ['lowbar', '_'], ['hyphen', '-'],
])

/** References browsers decode even without `;` and glued to the next letters (`&ltscript`). */
const LEGACY_ENTITIES = ['quot', 'nbsp', 'amp', 'lt', 'gt']

/**
 * The `html` form of a lower-case value: character references decoded (twice, for `&amp;lt;`).
 * @example toHtmlForm('&lt;svg onload=alert&#40;1&#41;&gt;') // "<svg onload=alert(1)>"
 */
export function toHtmlForm(lower: string): string {
  if (!lower.includes('&')) return lower
  const once = lower.replace(ENTITY, decodeEntity)
  return once.includes('&') ? once.replace(ENTITY, decodeEntity) : once
}

function decodeEntity(match: string, hex: string | undefined, decimal: string | undefined, name: string | undefined): string {
  if (hex !== undefined || decimal !== undefined) {
    const code = hex !== undefined ? parseInt(hex, 16) : parseInt(decimal as string, 10)
    return code === 0 || code > 0x10ffff ? '\ufffd' : String.fromCodePoint(code)
  }
  const named = NAMED_ENTITIES.get(name as string)
  if (named !== undefined) return named
  for (const legacy of LEGACY_ENTITIES) {
    if ((name as string).startsWith(legacy)) return `${NAMED_ENTITIES.get(legacy) as string}${match.slice(legacy.length + 1)}`
  }
  return match
}
