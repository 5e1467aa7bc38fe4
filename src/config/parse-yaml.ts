// YAML text → a document that still knows where every value came from (line and column), so
// later checks can point at the exact key. Syntax errors become ConfigIssues like any other.
import { isMap, isNode, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml'
import type { ConfigIssue, ConfigPath } from './config-issue.js'
import { formatPath } from './config-issue.js'

export interface Position {
  readonly line: number
  readonly column: number
}

/** A parsed config document plus a way to find where any key path is written in the file. */
export class SourceDocument {
  readonly file: string
  readonly document: Document
  readonly #lines: LineCounter

  constructor(file: string, document: Document, lines: LineCounter) {
    this.file = file
    this.document = document
    this.#lines = lines
  }

  /**
   * Where `path` is written. For a key that is missing, the closest existing parent;
   * with `keyOf` set, the position of that key inside the map at `path` (for unknown keys).
   */
  locate(path: ConfigPath, keyOf?: string): Position {
    let node: unknown = this.document.contents
    let best: Position = { line: 1, column: 1 }
    const at = (n: unknown): void => {
      if (isNode(n) && n.range) best = this.#position(n.range[0])
    }
    at(node)
    for (const segment of path) {
      if (isMap(node)) {
        const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(segment))
        if (!pair) return best
        node = pair.value ?? pair.key
      } else if (isSeq(node) && typeof segment === 'number') {
        node = node.items[segment]
        if (node === undefined) return best
      } else {
        return best
      }
      at(node)
    }
    if (keyOf !== undefined && isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === keyOf)
      if (pair && isNode(pair.key)) at(pair.key)
    }
    return best
  }

  /** Builds a located issue for `path`. */
  issue(path: ConfigPath, expected: string, found: string, keyOf?: string): ConfigIssue {
    const position = this.locate(path, keyOf)
    const fullPath = keyOf === undefined ? path : [...path, keyOf]
    return { file: this.file, line: position.line, column: position.column, path: formatPath(fullPath), expected, found }
  }

  #position(offset: number): Position {
    const { line, col } = this.#lines.linePos(offset)
    return { line, column: col }
  }
}

/** Parses YAML text. Returns the document, or the syntax issues when it cannot be read. */
export function parseYaml(text: string, file: string): { source: SourceDocument; issues: ConfigIssue[] } {
  const lines = new LineCounter()
  const document = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true, merge: true })
  const source = new SourceDocument(file, document, lines)
  // Only the first syntax error: the ones after it are usually the parser losing its footing.
  const issues: ConfigIssue[] = document.errors.slice(0, 1).map((error) => {
    const { line, col } = lines.linePos(error.pos[0])
    const hint = /flow-map|flow-seq/.test(error.message) && text.includes('${') ? ' (quote values that use ${VAR} inside { } or [ ])' : ''
    return { file, line, column: col, path: '(yaml)', expected: `valid YAML${hint}`, found: error.message.split('\n')[0] ?? error.code }
  })
  if (issues.length === 0 && (document.contents === null || !isMap(document.contents as Node))) {
    issues.push({ file, line: 1, column: 1, path: '(root)', expected: 'a YAML mapping with listeners, services and routes', found: document.contents === null ? 'an empty document' : 'a value that is not a mapping' })
  }
  return { source, issues }
}
