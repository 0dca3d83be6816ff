import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** Limits on a parsed JSON body, on top of the byte limit. */
export interface JsonLimits {
  /** Deepest nesting of objects and arrays. Default 64 (canonical EJSON wrappers take levels). */
  readonly maxDepth: number
  /** Most keys in one object. Default 10,000. */
  readonly maxKeys: number
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxKeys: 10_000 }

// A NUL, or a UTF-16 surrogate without its other half: PostgreSQL's jsonb refuses both, and no
// text a person writes contains them.
const BAD_TEXT = /\0|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/

const invalid = (message: string): ServiceError => new ServiceError(ErrorCode.BadRequest, message)

const checkText = (text: string, where: string): void => {
  if (BAD_TEXT.test(text)) {
    throw invalid(`${where} contains a NUL character or an unpaired UTF-16 surrogate`)
  }
}

const describePath = (path: string): string => (path === '' ? 'the body' : `"${path}"`)

/**
 * Refuses what a JSON body must never carry into the server (docs/reliability.md D4–D9, D11): keys that
 * pollute prototypes (`__proto__` anywhere, `constructor` holding an object), NUL characters and
 * unpaired surrogates, nesting deeper than `maxDepth`, objects with more than `maxKeys` keys, and
 * integers beyond 2^53 written as plain JSON numbers (they have already lost precision; canonical
 * EJSON `{"$numberLong": "..."}` keeps them exact). Each refusal is a 400 that names the place.
 */
export const checkJsonSafety = (value: unknown, limits: JsonLimits = DEFAULT_JSON_LIMITS): void => {
  const visit = (node: unknown, depth: number, path: string): void => {
    if (typeof node === 'string') return checkText(node, `the string at ${describePath(path)}`)
    if (typeof node === 'number') {
      if (Number.isInteger(node) && !Number.isSafeInteger(node)) {
        throw invalid(
          `the number at ${describePath(path)} is beyond 2^53 and cannot be read exactly; send it as {"$numberLong": "<digits>"}`,
        )
      }
      return
    }
    if (typeof node !== 'object' || node === null) return
    if (depth >= limits.maxDepth) {
      throw invalid(`the body nests deeper than ${limits.maxDepth} levels`)
    }
    if (Array.isArray(node)) {
      node.forEach((item, index) => visit(item, depth + 1, `${path}[${index}]`))
      return
    }
    const keys = Object.keys(node)
    if (keys.length > limits.maxKeys) {
      throw invalid(`the object at ${describePath(path)} has more than ${limits.maxKeys} keys`)
    }
    for (const key of keys) {
      const child = (node as Record<string, unknown>)[key]
      const childPath = path === '' ? key : `${path}.${key}`
      if (key === '__proto__') throw invalid(`the key "__proto__" is not allowed (${childPath})`)
      if (key === 'constructor' && typeof child === 'object' && child !== null) {
        throw invalid(`the key "constructor" may not hold an object (${childPath})`)
      }
      checkText(key, `a key of ${describePath(path)}`)
      visit(child, depth + 1, childPath)
    }
  }
  visit(value, 0, '')
}
