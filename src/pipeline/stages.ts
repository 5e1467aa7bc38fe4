// The one ordered list of stages. A policy declares its stage; the chain is sorted by stage at
// config load (order within a stage follows the config), so no numeric priorities are scattered
// over files. Read top to bottom: the order a request meets them; responses go back up.

export const STAGES = [
  'edge', //         request id, IP filter, WAF, CORS: cheap refusals before anything else
  'encode', //       compression: outermost on the way out, so it wraps every body below it
  'authenticate', // who is calling (API key, JWT, basic auth) → the consumer
  'authorize', //    may this consumer call this route
  'limit', //        rate limits, keyed by the consumer
  'cache', //        after auth, so a refused caller never reads a cached answer
  'transform', //    header and body rewrites; the default for custom policies
] as const

export type Stage = (typeof STAGES)[number]

export function stageIndex(stage: Stage): number {
  return STAGES.indexOf(stage)
}
