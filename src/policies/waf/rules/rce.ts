// Remote code execution signatures: shell commands after a shell metacharacter (CRS 932xxx), PHP
// (933xxx), Node.js and template injection (934xxx) and Java expressions / Log4Shell (944xxx).
// Common English words that are also commands (cat, head, ping) only count with a shell-shaped
// argument (`cat /etc/…`, `ping -c`), so "dogs; cat food" passes. `id` and `ls` alone count after
// `;`, a line break, `` ` `` or `$(`; after `|` or `&`, where prose writes "Name | ID" and
// "Name & ID", only in lower case, as the shell runs them (932105 reads the value as sent).
import { INJECTION_TARGETS, type SignatureRule } from '../rule.js'

const rce = (id: number, severity: SignatureRule['severity'], message: string, pattern: RegExp, form: SignatureRule['form'] = 'lower'): SignatureRule => ({
  id,
  group: 'rce',
  severity,
  message,
  targets: INJECTION_TARGETS,
  form,
  pattern,
})

/**
 * A shell command separator (`;`, `|`, `||`, `&`, `&&`, a line break) or the start of a
 * substitution (`` ` ``, `$(`), then blanks. Not `\\s*`: it would overlap the newline separator
 * and make a run of newlines cost quadratic time.
 */
const SEP = '(?:[;|`\\n\\r&]|\\$\\()[^\\S\\n\\r]*'

const UNIX_COMMANDS = [
  '(?:whoami|uname|ifconfig|netstat|nslookup|printenv|hostname)\\b',
  // ls -la, ls /, ls ~, ls ../, ls *; id -u, id --groups
  'ls\\s+(?:-\\w|/|~|\\.\\.?/|\\*)',
  'id\\s+-{1,2}[a-z]',
  '(?:cat|tac|nl|head|tail|more|less|strings|xxd|od|base64)\\s+(?:-\\w+\\s+)*(?:/|\\.\\.?/|~/|\\$\\w|[\\w.-]*\\.(?:php|txt|conf|cfg|log|ini|sh|py|env|xml|json|ya?ml|key|pem|bak)\\b)',
  '(?:wget|curl|nc|ncat|netcat|socat|telnet|tftp|ftp|ssh|scp|ping|traceroute)\\s+(?:-\\w|https?://|ftp://|\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}\\.\\d{1,3}|[\\w-]+\\.[\\w.-]+)',
  '(?:ba|z|k|da|c|tc)?sh(?:\\s+-\\w|\\s*(?:$|[;|&<>]))',
  '(?:python[23]?|perl|ruby|php|node|lua)\\s+(?:-\\w|[\\w./-]*\\.(?:py|pl|rb|php)\\b)',
  'rm\\s+-\\w*[rf]',
  'chmod\\s+(?:[0-7]{3,4}|[ugoa]*[+-][rwxs])',
  '(?:chown\\s+\\w|mkfifo\\s|mknod\\s|nohup\\s|crontab\\s+-|sudo\\s|su\\s+-|killall\\s|kill\\s+-\\d|busybox\\s|xargs\\s)',
  'sleep\\s+\\d+\\s*(?:$|[;|&`])',
  '(?:echo\\s+\\$|export\\s+\\w+=|env\\s+\\w+=)',
]

const WINDOWS_COMMANDS = [
  'cmd(?:\\.exe)?\\s+/[ck]\\b',
  '(?:powershell(?:\\.exe)?|pwsh|bitsadmin|wmic|mshta|rundll32|regsvr32|systeminfo|tasklist|ipconfig)\\b',
  'certutil(?:\\.exe)?\\s',
  'net\\s+(?:user|localgroup|view|share|use)\\b',
  'reg\\s+(?:query|add|delete)\\b',
  '(?:type|dir)\\s+[a-z]:\\\\',
]

/** `id` or `ls` alone: a blank, then the value's end or what ends a command. */
const BARE = '(?:id|ls)[^\\S\\n]*(?:$|[;&`)#>\\n])'

const SUBSTITUTED = '(?:id|whoami|uname|ls|cat|pwd|wget|curl|nc|sleep|ping|bash|sh|echo|env|ps|python\\d?|perl|nslookup|hostname|ifconfig)\\b'

export const RCE_RULES: readonly SignatureRule[] = [
  rce(932100, 'critical', 'Command injection: Unix command after a shell separator', new RegExp(`${SEP}(?:${UNIX_COMMANDS.join('|')})|(?:[;\`\\n]|\\$\\()[^\\S\\n]*(?:id|ls)[^\\S\\n]*(?:$|[;|&\`)#>\\n])`)),
  // | id · |id · && id · & ls · || id;  "Name | ID | Email" and "Name & ID" pass (case, and a list goes on after `|`)
  rce(932105, 'critical', 'Command injection: id or ls after a pipe or an ampersand (lower case, as the shell runs them)', new RegExp(`[|&][^\\S\\n]*${BARE}`), 'case'),
  rce(932110, 'critical', 'Command injection: Windows command after a shell separator', new RegExp(`${SEP}(?:${WINDOWS_COMMANDS.join('|')})`)),
  rce(932120, 'critical', 'Command injection: command substitution (`id`, $(whoami), ${IFS})', new RegExp(`\`\\s*${SUBSTITUTED}[^\`]{0,100}\`|\\$\\(\\s*${SUBSTITUTED}|\\$\\{ifs\\}|\\$ifs\\b`)),
  rce(932130, 'critical', 'Command injection: shell or interpreter path (/bin/sh, /dev/tcp)', /\/bin\/(?:ba|z|k|c|tc|da)?sh\b|\/bin\/busybox\b|\/usr\/bin\/(?:env|perl|python\d*|ruby|php|wget|curl|nc|id|whoami)\b|\/dev\/(?:tcp|udp)\/|\bnc(?:at)?\s+(?:-\w+\s+)*-[a-z]*e\s/),
  rce(932140, 'critical', 'Command injection: Shellshock function definition', /\(\s*\)\s*\{\s*(?::|\w+)\s*;\s*\}\s*[;>]/),
  rce(
    933100,
    'critical',
    'PHP injection: opening tag, superglobal or code-execution function',
    /<\?(?:php\b|=)|\b(?:system|exec|passthru|shell_exec|popen|proc_open|pcntl_exec|assert|create_function|call_user_func(?:_array)?|base64_decode|str_rot13|gzinflate|file_get_contents|file_put_contents|fopen|readfile|highlight_file|show_source|phpinfo|include|require|include_once|require_once)\s*\(\s*(?:['"$)]|base64_decode|str_rot13|gzinflate|chr\s*\()|\$_(?:get|post|request|cookie|server|files|env|session)\b/,
  ),
  rce(934100, 'critical', 'Node.js injection: prototype pollution or child_process', /\b__proto__\b|\bconstructor\s*(?:\.\s*|\[\s*['"]?)prototype\b|\bchild_process\b|\bprocess\s*\.\s*(?:mainmodule|binding)\b/),
  rce(934110, 'critical', 'Template injection: Python object internals (__class__, __globals__, __import__)', /\b__(?:class|globals|builtins|subclasses|import|mro|bases|getattribute|reduce)__\b/),
  rce(934120, 'warning', 'Template injection: arithmetic probe ({{7*7}}, ${7*7})', /\{\{\s*\d+\s*[*+]\s*\d+\s*\}\}|[$#]\{\s*\d+\s*[*+]\s*\d+\s*\}|<%=?\s*\d+\s*[*+]\s*\d+\s*%>/),
  rce(
    944100,
    'critical',
    'Java: Log4Shell lookup (${jndi:…} and its obfuscations)',
    /\$\{(?:[^}]{0,30}?(?:jndi|\$\{)|\s*(?:(?:lower|upper|env|sys|java|base64|date|main|ctx|k8s|docker|spring|bundle|log4j|web|event|marker|sd|map|jvmrunargs)\s*:|::-))|\bjndi\s*:\s*(?:ldaps?|rmi|dns|iiop|corba|nds|nis|https?)\b/,
  ),
  rce(
    944110,
    'critical',
    'Java: expression language or OGNL reaching the runtime (java.lang.Runtime, ProcessBuilder)',
    /\bjava\.lang\.(?:runtime|processbuilder|system|reflect|class|thread)\b|\bgetruntime\s*\(\s*\)|\bprocessbuilder\s*\(|\bclass\.forname\s*\(|#_memberaccess\b|@java\.lang\b|\bognlcontext\b|#context\s*\[|\bt\s*\(\s*java\.|\bjavax\.script\.scriptenginemanager\b/,
  ),
]
