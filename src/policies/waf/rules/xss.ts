// Cross-site scripting signatures (CRS 941xxx range), read on the `html` form: lower case with
// HTML character references decoded (`&lt;script&gt;`, `&#x6a;avascript:`), so encoded markup is
// seen as a browser would parse it. Tags and attributes are only matched in their markup shape
// (`<svg`, ` onerror=`), not as words.
import { INJECTION_TARGETS, type SignatureRule } from '../rule.js'

const xss = (id: number, severity: SignatureRule['severity'], message: string, pattern: RegExp): SignatureRule => ({
  id,
  group: 'xss',
  severity,
  message,
  targets: INJECTION_TARGETS,
  form: 'html',
  pattern,
})

/** Event handler attributes browsers run (HTML, SVG and the common vendor ones). */
const EVENT_HANDLERS = [
  'abort', 'activate', 'afterprint', 'animationend', 'animationiteration', 'animationstart', 'auxclick',
  'beforecopy', 'beforecut', 'beforeinput', 'beforepaste', 'beforeprint', 'beforetoggle', 'beforeunload', 'begin', 'blur',
  'cancel', 'canplay', 'canplaythrough', 'change', 'click', 'close', 'contextmenu', 'copy', 'cuechange', 'cut',
  'dblclick', 'drag', 'dragend', 'dragenter', 'dragleave', 'dragover', 'dragstart', 'drop', 'durationchange',
  'end', 'ended', 'error', 'focus', 'focusin', 'focusout', 'formdata', 'fullscreenchange', 'hashchange',
  'input', 'invalid', 'keydown', 'keypress', 'keyup', 'load', 'loadeddata', 'loadedmetadata', 'loadstart',
  'message', 'mousedown', 'mouseenter', 'mouseleave', 'mousemove', 'mouseout', 'mouseover', 'mouseup', 'mousewheel',
  'pagehide', 'pageshow', 'paste', 'pause', 'play', 'playing', 'pointercancel', 'pointerdown',
  'pointerenter', 'pointerleave', 'pointermove', 'pointerout', 'pointerover', 'pointerrawupdate', 'pointerup',
  'popstate', 'progress', 'ratechange', 'readystatechange', 'repeat', 'reset', 'resize', 'scroll', 'scrollend',
  'search', 'securitypolicyviolation', 'seeked', 'seeking', 'select', 'selectionchange', 'selectstart', 'show',
  'stalled', 'start', 'storage', 'submit', 'suspend', 'timeupdate', 'toggle', 'touchcancel', 'touchend',
  'touchmove', 'touchstart', 'transitioncancel', 'transitionend', 'transitionrun', 'transitionstart', 'unload',
  'volumechange', 'waiting', 'webkitanimationend', 'webkitanimationstart', 'webkittransitionend', 'wheel',
]

/** `javascript` with the tabs and line breaks browsers strip from a URL scheme allowed between letters. */
function spacedWord(word: string): string {
  return [...word].join('[\\t\\n\\r]*')
}

const SCRIPT_SCHEMES = ['javascript', 'vbscript', 'livescript'].map(spacedWord).join('|')

export const XSS_RULES: readonly SignatureRule[] = [
  xss(941100, 'critical', 'XSS: script tag', /<\/?script\b/),
  xss(941110, 'critical', 'XSS: event handler attribute', new RegExp(`(?:^|[\\s"'\`/;=<>(),])on(?:${EVENT_HANDLERS.join('|')})[\\s/]*=`)),
  // javascript:alert(1) · java&#x09;script:… · javascript://%0aalert(1); "JavaScript: the good parts" is prose
  xss(
    941120,
    'critical',
    'XSS: javascript: or data:text/html URI',
    new RegExp(`(?:${SCRIPT_SCHEMES})[\\t\\n\\r ]*:\\s*[\\w'"]*?[(=\`/\\\\.[]|\\bdata[\\t\\n\\r ]*:[\\t\\n\\r ]*(?:text/html|application/(?:x-)?(?:java|ecma)script|text/(?:java|ecma|vb)script)\\b`),
  ),
  xss(941130, 'critical', 'XSS: tag that can run script (iframe, svg, object, embed, meta, base…)', /<(?:iframe|frame|frameset|object|embed|applet|meta|base|svg|math|isindex|xss)\b/),
  xss(941140, 'critical', 'XSS: access to cookies, the document or the location from script', /\bdocument\s*\.\s*(?:cookie|domain|write(?:ln)?\s*\(|location\b)|\bwindow\s*\.\s*(?:location\b|open\s*\(|name\b)|\.(?:inner|outer)html\s*=|\bstring\s*\.\s*fromcharcode\s*\(|\blocation\s*\.\s*(?:href|hash|search|replace\s*\()/),
  xss(941150, 'critical', 'XSS: eval() or a string evaluated as code', /\b(?:eval|execscript)\(|\b(?:settimeout|setinterval)\s*\(\s*['"`]|\b(?:eval|settimeout|setinterval|function)\s*\(\s*(?:atob|unescape|decodeuri\w*|string\.fromcharcode)\s*\(|\bnew\s+function\s*\(/),
  xss(941160, 'warning', 'XSS: alert/prompt/confirm probe', /\b(?:alert|prompt|confirm)\s*(?:\(\s*(?:\d|['"`]|document\b|window\b|this\b|\))|`)/),
  xss(941170, 'critical', 'XSS: style or attribute that runs script (expression(), -moz-binding, srcdoc, formaction)', /\bexpression\s*\(\s*(?:alert|eval|document|window|javascript)|-moz-binding\s*:|(?:^|[\s"'/])(?:srcdoc|formaction|xlink:href)\s*=/),
]
