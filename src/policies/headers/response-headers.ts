// `responseHeaders`: set, add or remove headers on the response sent to the client, whatever
// produced it (the upstream or a local reply such as a 404 or 429).
import { definePolicy } from '../../pipeline/policy.js'
import { compileHeaderEdit } from './header-edit.js'
import { HeaderEditOptions } from './options.js'

export const responseHeaders = definePolicy({
  name: 'responseHeaders',
  stage: 'transform',
  options: HeaderEditOptions,
  create(options) {
    const edit = compileHeaderEdit(options)
    return {
      onResponseHeaders(ex) {
        if (ex.response !== undefined) edit(ex.response.headers)
      },
    }
  },
})
