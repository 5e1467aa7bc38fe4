// Path traversal and file access signatures (CRS 930xxx range). The router already resolves dot
// segments in the path, so what is left to catch is: dot-dot segments in the raw path in any
// encoding (browsers never send them), `../` in values (read once and twice decoded), well-known
// system files, restricted files a scanner probes for, stream wrappers, and NUL truncation.
import type { SignatureRule, Target } from '../rule.js'

const VALUE_TARGETS: readonly Target[] = ['path', 'args', 'header']

const traversal = (id: number, severity: SignatureRule['severity'], message: string, pattern: RegExp, targets: readonly Target[] = VALUE_TARGETS): SignatureRule => ({
  id,
  group: 'traversal',
  severity,
  message,
  targets,
  form: 'lower',
  pattern,
})

/** `.` as sent: plain, percent-encoded, double-encoded, overlong UTF-8, %u. */
const DOT = '(?:\\.|%2e|%252e|%c0%ae|%e0%80%ae|%u002e)'
/** A separator after `..`: `/`, `\`, their encodings, overlong `/`, Tomcat's `;`, or the end. */
const SEPARATOR = '(?:/|\\\\|%2f|%5c|%252f|%255c|%c0%af|%c1%9c|%e0%80%af|%u2215|%u2216|;|$)'

export const TRAVERSAL_RULES: readonly SignatureRule[] = [
  traversal(930100, 'critical', 'Path traversal: dot-dot segment in the request path', new RegExp(`(?:^|/|\\\\|%2f|%5c|%252f|%255c)${DOT}${DOT}${SEPARATOR}`), ['rawPath']),
  // ../../etc · ..\..\windows · ....//....//  (filter evasion)
  traversal(930110, 'critical', 'Path traversal: several ../ levels', /\.\.[\\/]+\.\.(?:[\\/.]|$)/),
  traversal(930115, 'warning', 'Path traversal: ../ in a value', /(?:^|[\\/=:'"])\.\.(?:[\\/]|$)/, ['args', 'header']),
  traversal(
    930120,
    'critical',
    'File access: operating system file (/etc/passwd, /proc/self, c:\\windows, win.ini)',
    /\/etc\/(?:passwd|shadow|group|gshadow|hosts|issue|motd|crontab|sudoers|fstab|master\.passwd|security\/|ssh\/)|\/proc\/(?:self|\d+)\/|\b[a-z]:[\\/]+(?:windows|winnt|boot\.ini|inetpub)\b|[\\/]windows[\\/]+(?:system32|win\.ini|system\.ini)\b|\b(?:boot|win|system)\.ini\b|[\\/]\.ssh[\\/]|\b(?:id_rsa|id_dsa|id_ecdsa|id_ed25519|authorized_keys)\b|\.htpasswd\b/,
  ),
  traversal(
    930130,
    'critical',
    'File access: restricted file (.env, .git/, .htaccess, web.config, wp-config.php)',
    /(?:^|\/)\.(?:env|git|svn|hg|bzr|htaccess|htpasswd|ds_store|aws|ssh|bash_history|npmrc|pypirc|netrc|dockerenv)(?:\/|\.|$)|\/(?:web\.config|wp-config\.php\w*|\.?config\.php\.(?:bak|old|swp))$/,
    ['path'],
  ),
  traversal(930140, 'critical', 'File access: stream wrapper or local file URL (file://, php://, phar://, gopher://)', /\b(?:file|php|phar|zip|expect|glob|jar|netdoc|gopher|dict|tftp|ogg|ssh2|rar|compress\.zlib|compress\.bzip2):\/\//),
  // eslint-disable-next-line no-control-regex -- a NUL byte is exactly what this rule looks for
  traversal(930150, 'critical', 'File access: NUL byte truncating a file name', /[\w./\\]\x00|\x00\.\w/, ['path', 'args', 'header']),
]
