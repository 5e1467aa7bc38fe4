// Known security scanners and attack tools by their User-Agent (CRS 913xxx range). A scanner can
// lie about its agent; this catches the default configurations that make up most scanning noise.
// Generic HTTP libraries (curl, python-requests, Go-http-client) are not listed: APIs serve them.
import type { SignatureRule } from '../rule.js'

const TOOLS = [
  'sqlmap', 'nikto', 'nmap', 'masscan', 'nuclei', 'wpscan', 'dirbuster', 'dirb', 'gobuster', 'feroxbuster', 'ffuf',
  'wfuzz', 'acunetix', 'netsparker', 'invicti', 'nessus', 'openvas', 'w3af', 'whatweb', 'skipfish', 'arachni',
  'appscan', 'webinspect', 'havij', 'zmeu', 'jaeles', 'commix', 'xsstrike', 'fimap', 'joomscan', 'droopescan',
  'paros', 'zgrab', 'metasploit', 'dotdotpwn', 'wapiti', 'webshag', 'morfeus', 'zmap', 'qualysguard', 'interactsh',
  'burpcollaborator', 'naabu', 'httprint',
]

export const SCANNER_RULES: readonly SignatureRule[] = [
  {
    id: 913100,
    group: 'scanners',
    severity: 'critical',
    message: 'Scanner: User-Agent of a security scanner or attack tool',
    targets: ['userAgent'],
    form: 'lower',
    pattern: new RegExp(`\\b(?:${TOOLS.join('|')})\\b|owasp[ _-]?zap|\\bzaproxy\\b`),
  },
]
