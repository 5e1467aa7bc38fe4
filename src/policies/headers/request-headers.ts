// `requestHeaders`: set, add or remove headers on the request sent upstream.
import { definePolicy } from '../../pipeline/policy.js'
import { compileHeaderEdit } from './header-edit.js'
import { HeaderEditOptions } from './options.js'

export const requestHeaders = definePolicy({
  name: 'requestHeaders',
  stage: 'transform',
  options: HeaderEditOptions,
  create(options) {
    const edit = compileHeaderEdit(options)
    return {
      onRequest(ex) {
        edit(ex.upstreamRequest.headers)
      },
    }
  },
})
