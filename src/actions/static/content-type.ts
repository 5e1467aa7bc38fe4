// File extension → Content-Type for the static action: a small built-in table of the types the
// web actually serves, so no dependency is needed. Unknown extensions are application/octet-stream,
// which with `nosniff` makes browsers download rather than guess (and maybe execute).

const UTF8 = '; charset=utf-8'

const TABLE: Readonly<Record<string, string>> = {
  // documents and code
  html: `text/html${UTF8}`,
  htm: `text/html${UTF8}`,
  css: `text/css${UTF8}`,
  js: `text/javascript${UTF8}`, // RFC 9239
  mjs: `text/javascript${UTF8}`,
  cjs: `text/javascript${UTF8}`,
  json: 'application/json',
  map: 'application/json',
  jsonld: 'application/ld+json',
  webmanifest: 'application/manifest+json',
  txt: `text/plain${UTF8}`,
  md: `text/markdown${UTF8}`,
  csv: `text/csv${UTF8}`,
  xml: 'application/xml',
  rss: 'application/rss+xml',
  atom: 'application/atom+xml',
  yaml: 'application/yaml',
  yml: 'application/yaml',
  wasm: 'application/wasm',
  pdf: 'application/pdf',
  // images
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  avif: 'image/avif',
  svg: 'image/svg+xml',
  ico: 'image/x-icon',
  bmp: 'image/bmp',
  // fonts
  woff: 'font/woff',
  woff2: 'font/woff2',
  ttf: 'font/ttf',
  otf: 'font/otf',
  // audio and video
  mp3: 'audio/mpeg',
  ogg: 'audio/ogg',
  wav: 'audio/wav',
  flac: 'audio/flac',
  m4a: 'audio/mp4',
  mp4: 'video/mp4',
  webm: 'video/webm',
  m3u8: 'application/vnd.apple.mpegurl',
  // archives
  zip: 'application/zip',
  gz: 'application/gzip',
  tar: 'application/x-tar',
}

/** A Map, so a file named `x.constructor` cannot reach Object.prototype. */
const TYPES: ReadonlyMap<string, string> = new Map(Object.entries(TABLE))

export const DEFAULT_CONTENT_TYPE = 'application/octet-stream'

/** The Content-Type for a file name, by its last extension (case-insensitive). */
export function contentTypeFor(fileName: string): string {
  const dot = fileName.lastIndexOf('.')
  if (dot === -1 || dot < fileName.lastIndexOf('/')) return DEFAULT_CONTENT_TYPE
  return TYPES.get(fileName.slice(dot + 1).toLowerCase()) ?? DEFAULT_CONTENT_TYPE
}

/** Whether the last path segment has an extension (`app.js`): SPA fallback skips such paths. */
export function hasExtension(segment: string): boolean {
  const dot = segment.lastIndexOf('.')
  return dot > 0 && dot < segment.length - 1
}
