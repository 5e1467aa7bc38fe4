// Compiles a set/add/remove spec once into flat arrays applied to a HeaderList.
import type { StaticDecode } from 'typebox'
import type { HeaderList } from '../../exchange/header-list.js'
import type { HeaderEditOptions } from './options.js'

export type HeaderEditSpec = StaticDecode<typeof HeaderEditOptions>

export type HeaderEdit = (headers: HeaderList) => void

export function compileHeaderEdit(spec: HeaderEditSpec): HeaderEdit {
  const remove = (spec.remove ?? []).map((name) => name.toLowerCase())
  const set = Object.entries(spec.set ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const)
  const add = Object.entries(spec.add ?? {}).map(([name, value]) => [name.toLowerCase(), value] as const)
  return (headers) => {
    for (const name of remove) headers.delete(name)
    for (const [name, value] of set) headers.set(name, value)
    for (const [name, value] of add) headers.append(name, value)
  }
}
