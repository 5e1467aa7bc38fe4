// Path rewrites, compiled once per route: strip a prefix, add a prefix, or replace the path with a
// template that reuses the params the match captured (`/v2/users/:id`, `/files/*`).
import type { PathParams } from '../../routing/path-pattern.js'

export interface RewriteSpec {
  readonly stripPrefix?: string
  readonly addPrefix?: string
  readonly path?: string
}

export type PathRewrite = (path: string, params: PathParams) => string

const IDENTITY: PathRewrite = (path) => path

export function compileRewrite(spec: RewriteSpec | undefined): PathRewrite {
  if (spec === undefined) return IDENTITY
  const steps: PathRewrite[] = []
  if (spec.path !== undefined) steps.push(compileTemplate(spec.path))
  if (spec.stripPrefix !== undefined) {
    const prefix = spec.stripPrefix.endsWith('/') ? spec.stripPrefix.slice(0, -1) : spec.stripPrefix
    steps.push((path) => {
      if (path === prefix) return '/'
      return path.startsWith(`${prefix}/`) ? path.slice(prefix.length) : path
    })
  }
  if (spec.addPrefix !== undefined) {
    const prefix = spec.addPrefix.endsWith('/') ? spec.addPrefix.slice(0, -1) : spec.addPrefix
    steps.push((path) => (path === '/' ? `${prefix}/` : prefix + path))
  }
  if (steps.length === 1) return steps[0] as PathRewrite
  return (path, params) => steps.reduce((current, step) => step(current, params), path)
}

/** `/v2/users/:id/*` → a function filling params in; literal parts are kept as written. */
export function compileTemplate(template: string): PathRewrite {
  const parts = template.split('/').map((segment) => {
    if (segment === '*') return (params: PathParams) => params['*'] ?? ''
    if (segment.startsWith(':')) {
      const name = segment.slice(1)
      return (params: PathParams) => params[name] ?? ''
    }
    return () => segment
  })
  return (_path, params) => {
    let out = ''
    for (let i = 0; i < parts.length; i++) out += (i === 0 ? '' : '/') + (parts[i] as (p: PathParams) => string)(params)
    return out.replace(/\/{2,}/g, '/').replace(/(.)\/$/, template.endsWith('/') ? '$1/' : '$1') || '/'
  }
}
