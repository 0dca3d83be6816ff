import { Buffer } from 'node:buffer'
import { URL, URLSearchParams } from 'node:url'
import { TextDecoder, TextEncoder } from 'node:util'

// The tests run the real server in this process, and Vitest's jsdom environment replaces
// Uint8Array, ArrayBuffer, TextEncoder and URL with jsdom's copies from another realm. Node's own
// APIs then refuse them: the server's JWT library rejects keys made by Node's TextEncoder, and
// `new Worker(url)` rejects jsdom's URL. A browser has one realm: give the tests Node's back.
Object.assign(globalThis, {
  Uint8Array: (Object.getPrototypeOf(Buffer.prototype) as Uint8Array).constructor,
  ArrayBuffer: Buffer.alloc(1).buffer.constructor,
  TextEncoder,
  TextDecoder,
  URL,
  URLSearchParams,
})
