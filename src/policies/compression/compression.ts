// `compression`: compresses response bodies on the way out (br, gzip) as the client's
// Accept-Encoding allows. Stage `encode` puts it outermost, so it wraps whatever the action and the
// inner policies produced, streams included, without ever buffering a streamed body.
import { definePolicy } from '../../pipeline/policy.js'
import { CompressionOptions } from './options.js'
import { ResponseCompressor } from './response-compressor.js'

export const compression = definePolicy({
  name: 'compression',
  stage: 'encode',
  options: CompressionOptions,
  create(options) {
    const compressor = new ResponseCompressor(options)
    return {
      onResponse(ex) {
        const response = ex.response
        if (response === undefined) return
        const request = ex.request
        return compressor.apply(request.method, request.header('accept-encoding'), response, response.status === 304 ? request.header('if-none-match') : undefined)
      },
    }
  },
})
