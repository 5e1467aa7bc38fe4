// Schema of `routes:`: what a request must look like (match), and what answers it (the action).
import Type from 'typebox'
import { AggregateSchema } from './aggregate.js'
import { HeaderValue, OneOrMany, strictObject } from './common.js'
import { PolicyListSchema } from './policy-entry.js'

export const HTTP_METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS', 'TRACE', 'CONNECT'] as const

const ValueMatchSchema = Type.Union(
  [
    Type.String(),
    strictObject({ regex: Type.String({ minLength: 1, description: 'ECMAScript regular expression the whole value must match.' }) }),
    strictObject({ present: Type.Boolean({ description: 'true: the value must be present; false: it must be absent.' }) }),
  ],
  { 'x-expected': 'a string, { regex: "..." } or { present: true|false }' },
)

export const MatchSchema = strictObject({
  host: Type.Optional(OneOrMany(Type.String({ pattern: '^(\\*\\.)?[A-Za-z0-9_.-]+(:[0-9]+)?$', 'x-expected': 'a host name like api.example.com or *.example.com' }), 'Host names; `*.example.com` matches one or more labels.')),
  path: Type.Optional(Type.String({ pattern: '^/', description: 'Exact `/a/b`, prefix `/a/*`, or with params `/users/:id`.', 'x-expected': 'a path starting with /' })),
  methods: Type.Optional(Type.Array(Type.Enum([...HTTP_METHODS]), { minItems: 1, description: 'Allowed methods; default any.' })),
  headers: Type.Optional(Type.Record(Type.String(), ValueMatchSchema, { description: 'Header conditions (names are case-insensitive).' })),
  query: Type.Optional(Type.Record(Type.String(), ValueMatchSchema, { description: 'Query parameter conditions.' })),
})

export const RewriteSchema = strictObject({
  stripPrefix: Type.Optional(Type.String({ pattern: '^/', description: 'Removed from the start of the path before forwarding.', 'x-expected': 'a path starting with /' })),
  addPrefix: Type.Optional(Type.String({ pattern: '^/', description: 'Prepended to the path before forwarding.', 'x-expected': 'a path starting with /' })),
  path: Type.Optional(Type.String({ pattern: '^/', description: 'Replaces the path; `:name` and `*` insert what the match captured.', 'x-expected': 'a path starting with /' })),
})

export const RedirectSchema = strictObject({
  to: Type.String({ minLength: 1, pattern: '^[^\\s]+$', description: 'Target URL or path; `:name` inserts captured params. The query is carried over.', 'x-expected': 'a URL or path without spaces or line breaks' }),
  status: Type.Optional(Type.Union([Type.Literal(301), Type.Literal(302), Type.Literal(303), Type.Literal(307), Type.Literal(308)], { description: 'Redirect status; default 302.', 'x-expected': 'one of 301, 302, 303, 307, 308' })),
})

export const RespondSchema = strictObject({
  status: Type.Optional(Type.Integer({ minimum: 100, maximum: 599, description: 'Status code; default 200.' })),
  body: Type.Optional(Type.Union([Type.String(), Type.Record(Type.String(), Type.Unknown()), Type.Array(Type.Unknown())], { description: 'A string, or a value sent as JSON.' })),
  headers: Type.Optional(Type.Record(Type.String({ pattern: "^[!#$%&'*+.^_`|~0-9A-Za-z-]+$" }), HeaderValue(), { description: 'Response headers.' })),
})

export const StaticSchema = strictObject({
  root: Type.String({ minLength: 1, description: 'Directory to serve, relative to the config file.' }),
  index: Type.Optional(Type.Union([Type.String({ pattern: '^(?!\\.\\.?$)[^/\\\\]+$', 'x-expected': 'a file name like index.html, or false' }), Type.Literal(false)], { description: 'File served for a path ending in /; false for none; default index.html.', 'x-expected': 'a file name like index.html, or false' })),
  spa: Type.Optional(Type.Boolean({ description: 'Single-page app: unknown paths without a file extension get the index file; default false.' })),
  cacheControl: Type.Optional(Type.String({ minLength: 1, description: 'Cache-Control of served files; default no-cache (revalidate with ETag).' })),
  precompressed: Type.Optional(Type.Boolean({ description: 'Serve file.br / file.gz beside a file when Accept-Encoding allows; default false.' })),
  dotfiles: Type.Optional(Type.Boolean({ description: 'Serve names starting with a dot (.well-known always is); default false.' })),
})

export const RouteSchema = strictObject({
  name: Type.Optional(Type.String({ minLength: 1, description: 'Unique name for logs, metrics, the admin API and `validate --explain`; default `route-<index>`.' })),
  match: MatchSchema,
  service: Type.Optional(Type.String({ minLength: 1, description: 'Proxy to this service.' })),
  redirect: Type.Optional(RedirectSchema),
  respond: Type.Optional(RespondSchema),
  static: Type.Optional(StaticSchema),
  aggregate: Type.Optional(AggregateSchema),
  rewrite: Type.Optional(RewriteSchema),
  preserveHost: Type.Optional(Type.Boolean({ description: 'Send the client Host header upstream instead of the target host; default false.' })),
  policies: Type.Optional(PolicyListSchema),
})
