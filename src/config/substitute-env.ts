// `${VAR}` and `${VAR:-default}` in config values, substituted on parsed scalars rather than on
// raw text, so a variable's content can never change the YAML structure around it.
import { isScalar, parse, visit, type Scalar } from 'yaml'
import type { ConfigIssue, ConfigPath } from './config-issue.js'
import type { SourceDocument } from './parse-yaml.js'

const REFERENCE = /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g

/**
 * Replaces environment references in every string value of the document, in place.
 * A plain (unquoted) scalar that was only a reference takes the type its value reads as in
 * YAML, so `port: ${PORT:-8080}` is the number 8080. Returns an issue per unset variable.
 */
export function substituteEnv(source: SourceDocument, env: NodeJS.ProcessEnv): ConfigIssue[] {
  const issues: ConfigIssue[] = []
  visit(source.document, {
    Scalar(_key, node: Scalar, ancestry) {
      if (typeof node.value !== 'string' || !node.value.includes('${')) return
      const original = node.value
      const missing: string[] = []
      const replaced = original.replace(REFERENCE, (_match, name: string, fallback: string | undefined) => {
        const value = env[name]
        if (value !== undefined && value !== '') return value
        if (fallback !== undefined) return fallback
        missing.push(name)
        return ''
      })
      if (missing.length > 0) {
        const path = pathOf(ancestry, node)
        for (const name of missing) {
          issues.push(source.issue(path, `environment variable ${name} to be set (or a default: \${${name}:-value})`, 'it unset'))
        }
        return
      }
      const wholeReference = /^\$\{[^}]+\}$/.test(original)
      node.value = wholeReference && node.type === 'PLAIN' ? readPlainScalar(replaced) : replaced
    },
  })
  return issues
}

function readPlainScalar(text: string): unknown {
  try {
    const value: unknown = parse(text)
    return typeof value === 'number' || typeof value === 'boolean' ? value : text
  } catch {
    return text
  }
}

/** Rebuilds the key path of a scalar from yaml's visitor ancestry (maps, pairs, sequences). */
function pathOf(ancestry: readonly unknown[], node: unknown): ConfigPath {
  const path: Array<string | number> = []
  const chain = [...ancestry, node]
  for (let i = 0; i < chain.length - 1; i++) {
    const parent = chain[i]
    const child = chain[i + 1]
    if (parent && typeof parent === 'object' && 'items' in parent && Array.isArray(parent.items)) {
      const index = parent.items.indexOf(child)
      const isSequence = !(child && typeof child === 'object' && 'key' in child)
      if (isSequence && index >= 0) path.push(index)
    } else if (parent && typeof parent === 'object' && 'key' in parent && isScalar(parent.key)) {
      path.push(String(parent.key.value))
    }
  }
  return path
}
