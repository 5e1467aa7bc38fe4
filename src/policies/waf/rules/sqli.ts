// SQL injection signatures (CRS 942xxx range). Most read the `sql` form: lower case, comments
// (`/**/`, MySQL `/*!…*/` openers) turned into spaces and whitespace runs collapsed to one space,
// so `UNION/**/SELECT` and `union%0a%0dselect` read as `union select`. Each pattern needs SQL
// syntax around a keyword (a quote, an operator, a parenthesis), so prose with "select" or "or"
// passes.
import { INJECTION_TARGETS, type SignatureRule } from '../rule.js'

const sqli = (id: number, severity: SignatureRule['severity'], message: string, pattern: RegExp, form: SignatureRule['form'] = 'sql'): SignatureRule => ({
  id,
  group: 'sqli',
  severity,
  message,
  targets: INJECTION_TARGETS,
  form,
  pattern,
})

export const SQLI_RULES: readonly SignatureRule[] = [
  // ' or 1=1 · " or ""=" · ') or ('a'='a · ' || 'x' like 'x
  sqli(
    942100,
    'critical',
    'SQL injection: tautology after a closing quote',
    /['"`]\)* ?(?:(?:or|and|xor)\b|\|\||&&) ?(?:\( ?)*['"`]?[\w.@$]*['"`]? ?(?:(?:=|<=>|<>|!=|<|>) ?(?:['"`\d(]|[\w.]+ ?(?:--|#|;|\)|$))|\b(?:r?like|regexp) ?['"`%(])/,
  ),
  // ' or true-- · " or 1 # · 'and 0
  sqli(942110, 'critical', 'SQL injection: boolean test after a closing quote', /['"`]\)* ?(?:(?:or|and|xor)\b|\|\||&&) (?:not )?(?:true|false|null|\d+)\b[ )]*(?:--|#|;|$)/),
  // 1 or 1=1 · 1) and (2=2 · x or 1=1 (equality only: "2 > 1 and 3 < 4" is arithmetic prose)
  sqli(
    942120,
    'critical',
    'SQL injection: numeric tautology',
    /(?:^|[ (/=])-?\d+\)* (?:or|and|xor|\|\||&&) (?:\( ?)*-?\d+ ?(?:=|<>|!=|<=>) ?(?:\( ?)*-?\d+|(?:\bor|\|\|) (?:1 ?= ?1|0 ?= ?0|2 ?> ?1)\b/,
  ),
  // admin'-- · x')# · 1'-- -   (a quote with no space before the comment)
  sqli(942130, 'critical', 'SQL injection: quote closed and the rest commented out', /['"`]\)*;?(?:--(?: |-|$)|#$)/),
  // x' -- · x' #   (a space in between is also how prose writes a dash after a quote: a warning)
  sqli(942140, 'warning', 'SQL injection: quote followed by an SQL comment', /['"`]\)*;? (?:--(?: |-|$)|#$)/),
  sqli(942150, 'critical', 'SQL injection: UNION SELECT', /\bunion(?: all| distinct)? ?(?:\( ?)*select\b/),
  sqli(
    942160,
    'critical',
    'SQL injection: time-based probe (sleep, benchmark, pg_sleep, waitfor delay)',
    /\bsleep ?\( ?(?:\d+(?:\.\d+)? ?\)|if ?\(|case when\b|\()|\bbenchmark ?\( ?\d+ ?,|\bpg_sleep\b|\bwaitfor (?:delay|time) ['"]|\bdbms_lock\.sleep\b|\bdbms_pipe\.receive_message\b/,
  ),
  sqli(
    942170,
    'critical',
    'SQL injection: database catalogue access (information_schema, system tables)',
    /\binformation_schema\b|\bmysql\.(?:user|db|innodb_table_stats)\b|\bpg_(?:catalog|shadow|user|tables|database|namespace)\b|\bsys\.(?:objects|tables|columns|databases|sysobjects|all_objects)\b|\bsys(?:objects|columns|comments|users)\b|\bmsysaccessobjects\b|\bsqlite_(?:master|schema|temp_master)\b|\ball_tab(?:les|_columns)\b|\buser_tab(?:les|_columns)\b/,
  ),
  sqli(
    942180,
    'critical',
    'SQL injection: function typical of injections (extractvalue, load_file, xp_cmdshell, version())',
    /\b(?:extractvalue|updatexml|load_file|group_concat|concat_ws|make_set|export_set|name_const|sys_eval|sys_exec|openrowset|opendatasource|xp_cmdshell|xp_dirtree|xp_regread|sp_executesql|sp_oacreate|sp_makewebtask|utl_inaddr\.get_host_\w+|utl_http\.request|dbms_xmlgen\.\w+|ctxsys\.drithsx\.sn) ?\(|\b(?:version|database|schema|current_user|session_user|system_user|user) ?\( ?\)|@@(?:version|datadir|hostname|basedir|tmpdir)\b|\bascii ?\( ?substr(?:ing)?\b|\bchar ?\( ?\d+ ?,/,
  ),
  // '; drop table users · 1; delete from x · ; exec xp_… · ; shutdown
  sqli(
    942190,
    'critical',
    'SQL injection: stacked query',
    /; ?(?:(?:drop|truncate|alter|create|rename) (?:table|database|schema|user|view|procedure|function|index|trigger|login)\b|delete from\b|insert into\b|update [\w.`"[\]]+ set\b|(?:exec|execute) (?:xp_|sp_|master\.|immediate\b|\(|@)|shutdown(?: with\b| ?(?:--|#|;|$))|declare @|select (?:\*|@@|\d+ ?(?:,|from\b|--|#|;|$)|\w+ ?\()|waitfor delay\b|grant all\b|load data\b|copy \w+ (?:from|to) program\b)/,
  ),
  sqli(
    942200,
    'critical',
    'SQL injection: SELECT of all columns, system variables or functions',
    /\bselect (?:\* ?from\b|@@\w|null ?,|(?:count|concat|group_concat|char|chr|ascii|substr(?:ing)?|version|database|user|schema|load_file|hex|unhex|md5|sleep)\()|\bselect\b[^;]{0,60}?\bfrom (?:information_schema|mysql\.|pg_|sys\.|dual\b)/,
  ),
  sqli(942210, 'warning', 'SQL injection: hex-encoded string in SQL context', /(?:\b(?:select|where|and|or|like|having|values|union all|concat(?:_ws)?|char|unhex|in)|[=,]) ?(?:\( ?)*0x[0-9a-f]{4,}\b/),
  sqli(942220, 'critical', 'SQL injection: ORDER BY / GROUP BY column probing', /\b(?:order|group) by \d+ ?(?:asc |desc )?(?:--|#|;)/),
  sqli(942230, 'critical', 'SQL injection: file read or write (into outfile, load data infile)', /\binto (?:out|dump)file\b|\bload data (?:local )?infile\b/),
]
