// The merged answer of an aggregate route: `{ <key>: <call's JSON> }` after `select` and `rename`,
// with failed optional calls as null and listed under `_errors`, so a client can tell a missing
// part from an empty one (KrakenD's honest partial results). Pure.

/** Fields to keep: `true` keeps a field whole, a nested tree keeps some of its fields. */
export interface FieldTree {
  readonly [field: string]: true | FieldTree
}

/** `['id', 'address.city']` → `{ id: true, address: { city: true } }`. A whole field wins over parts of it. */
export function compileSelection(paths: readonly string[]): FieldTree {
  const root: Record<string, unknown> = {}
  for (const path of paths) {
    const segments = path.split('.')
    let node = root
    for (let depth = 0; depth < segments.length; depth++) {
      const segment = segments[depth] as string
      const existing = Object.hasOwn(node, segment) ? node[segment] : undefined
      if (existing === true) break
      if (depth === segments.length - 1) {
        setOwn(node, segment, true)
        break
      }
      const child = (existing ?? {}) as Record<string, unknown>
      setOwn(node, segment, child)
      node = child
    }
  }
  return root as FieldTree
}

/** Sets a key as plain data, so a field named "__proto__" is a key like any other. */
function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true })
}

/** One value still to select: from `source` by `tree`, written to `key` of `target`. */
interface Pending {
  readonly source: unknown
  readonly tree: FieldTree
  readonly target: Record<string, unknown> | unknown[]
  readonly key: string | number
}

/**
 * Keeps the fields of `tree` in a JSON value: in an object, the listed own keys that exist; in a
 * list (lists of lists too), the same in every item. Scalars are returned as they are. Iterative,
 * with its own work list, so no nesting of the value can overflow the stack.
 */
export function selectFields(value: unknown, tree: FieldTree): unknown {
  const root: unknown[] = [undefined]
  const pending: Pending[] = [{ source: value, tree, target: root, key: 0 }]
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { source, tree: fields, target, key } = next
    if (Array.isArray(source)) {
      const list = new Array<unknown>(source.length)
      place(target, key, list)
      for (let i = 0; i < source.length; i++) pending.push({ source: source[i], tree: fields, target: list, key: i })
      continue
    }
    if (source === null || typeof source !== 'object') {
      place(target, key, source)
      continue
    }
    const object = source as Record<string, unknown>
    const out: Record<string, unknown> = {}
    place(target, key, out)
    for (const field of Object.keys(fields)) {
      if (!Object.hasOwn(object, field)) continue
      const sub = fields[field] as true | FieldTree
      // The key is placed now, in tree order; a nested selection fills it in later.
      setOwn(out, field, sub === true ? object[field] : null)
      if (sub !== true) pending.push({ source: object[field], tree: sub, target: out, key: field })
    }
  }
  return root[0]
}

function place(target: Record<string, unknown> | unknown[], key: string | number, value: unknown): void {
  if (Array.isArray(target)) target[key as number] = value
  else setOwn(target, key as string, value)
}

/** Why a call has no value in the answer. */
export interface CallFailure {
  /** The status this failure stands for: 502, 503, 504; 424 when a call it needed failed. */
  readonly status: number
  readonly code: string
  readonly message: string
  /** The status the upstream answered, when it answered with a non-2xx one. */
  readonly upstreamStatus?: number
  /** The failed call this one needed (for ERR_DEPENDENCY_FAILED). */
  readonly dependency?: string
}

/** One call as the merge sees it: its key in the answer and its compiled selection. */
export interface MergeSlot {
  readonly key: string
  readonly select: FieldTree | undefined
}

export interface MergedAnswer {
  readonly body: Record<string, unknown>
  /** Some call failed: the answer carries `_errors` and `X-Portico-Partial: true`. */
  readonly partial: boolean
}

/**
 * Builds the answer from each slot's value or failure (same positions). Keys keep the order of
 * `slots`; `_errors` comes last.
 */
export function mergeAnswer(slots: readonly MergeSlot[], values: readonly unknown[], failures: ReadonlyArray<CallFailure | undefined>): MergedAnswer {
  const body: Record<string, unknown> = {}
  let errors: Record<string, unknown> | undefined
  slots.forEach((slot, index) => {
    const failure = failures[index]
    if (failure !== undefined) {
      body[slot.key] = null
      errors ??= {}
      errors[slot.key] = {
        status: failure.status,
        code: failure.code,
        ...(failure.upstreamStatus !== undefined ? { upstreamStatus: failure.upstreamStatus } : {}),
        ...(failure.dependency !== undefined ? { dependency: failure.dependency } : {}),
      }
      return
    }
    const value = values[index]
    body[slot.key] = slot.select === undefined ? value : selectFields(value, slot.select)
  })
  if (errors !== undefined) body._errors = errors
  return { body, partial: errors !== undefined }
}
