import { BSONRegExp } from 'bson'
import { isPlainObject } from './isPlainObject'
import { mongoError } from './mongoError'
import { toQueryView } from './queryView'

// MongoDB's regular expression options; `u` is accepted and redundant there (patterns are UTF-8).
const OPTIONS = /^[imsxu]*$/

/**
 * PCRE's extended mode (`x`) for JavaScript, which has none: white space outside character
 * classes and `#` comments to the end of the line are dropped; escaped ones are kept.
 */
const withoutExtendedSpace = (pattern: string): string => {
  let out = ''
  let inClass = false
  for (let index = 0; index < pattern.length; index += 1) {
    const char = pattern.charAt(index)
    if (char === '\\') {
      out += pattern.slice(index, index + 2)
      index += 1
    } else if (inClass) {
      if (char === ']') inClass = false
      out += char
    } else if (char === '[') {
      inClass = true
      out += char
      // A `]` first in a class (after an optional `^`) is a literal, as in PCRE.
      const lead = /^\^?\]/.exec(pattern.slice(index + 1))?.[0] ?? ''
      out += lead
      index += lead.length
    } else if (char === '#') {
      const end = pattern.indexOf('\n', index)
      index = end === -1 ? pattern.length : end
    } else if (!/[ \t\n\r\f]/.test(char)) {
      out += char
    }
  }
  return out
}

/**
 * A MongoDB regular expression (pattern and options) as a JavaScript RegExp. Patterns are read
 * in Unicode mode where they compile in it, as MongoDB reads them as UTF-8 (`.` is one character,
 * not half of an emoji); PCRE syntax that Unicode mode refuses (`\-` outside a class) falls back
 * to the plain mode. A pattern neither compiles is the caller's mistake (400).
 */
export const regExpOf = (pattern: string, options: string): RegExp => {
  if (!OPTIONS.test(options)) throw mongoError(`invalid flag in regex options: ${options}`)
  const source = options.includes('x') ? withoutExtendedSpace(pattern) : pattern
  const flags = [...new Set(options.replace(/[xu]/g, ''))].join('')
  try {
    return new RegExp(source, `${flags}u`)
  } catch {
    try {
      return new RegExp(source, flags)
    } catch (error) {
      throw mongoError(`invalid regular expression /${pattern}/: ${(error as Error).message}`)
    }
  }
}

const isBsonRegExp = (value: unknown): value is BSONRegExp =>
  value instanceof BSONRegExp ||
  (typeof value === 'object' &&
    value !== null &&
    (value as { _bsontype?: unknown })._bsontype === 'BSONRegExp')

/** `$regex` with its `$options`, as one RegExp, refused as MongoDB refuses it. */
const regexOperand = (regex: unknown, options: unknown): RegExp => {
  if (options !== undefined && typeof options !== 'string') {
    throw mongoError('$options has to be a string')
  }
  const extra = options ?? ''
  if (typeof regex === 'string') return regExpOf(regex, extra)
  const own = isBsonRegExp(regex)
    ? { pattern: regex.pattern, options: regex.options }
    : regex instanceof RegExp
      ? { pattern: regex.source, options: regex.flags.replace(/[^imsu]/g, '') }
      : undefined
  if (!own) throw mongoError('$regex has to be a string')
  if (own.options !== '' && extra !== '') {
    throw mongoError('options set in both $regex and $options')
  }
  return regExpOf(own.pattern, own.options || extra)
}

/**
 * Regular expressions as mingo needs them. EJSON decodes a regular expression (a realm-web
 * literal, `{ $regex: "mi" }`) as bson's `BSONRegExp`, which mingo compares as a plain object,
 * so `{ f: /mi/ }`, `$in: [/mi/]` and `$not: /mi/` matched nothing and their negations matched
 * everything. Here each becomes a RegExp, and `{ $regex, $options }` one RegExp with both.
 * Copies only what changes. For conditions mingo tests on documents themselves rather than on
 * their views (an update's `$pull`, `arrayFilters`).
 */
export const withRegExps = (value: unknown): unknown => {
  if (isBsonRegExp(value)) return regExpOf(value.pattern, value.options)
  if (Array.isArray(value)) {
    const items = value.map(withRegExps)
    return items.some((item, index) => item !== value[index]) ? items : value
  }
  if (!isPlainObject(value)) return value
  let changed = false
  const entries: [string, unknown][] = []
  for (const [key, item] of Object.entries(value)) {
    if (key === '$options' && '$regex' in value) {
      changed = true
      continue
    }
    const view = key === '$regex' ? regexOperand(item, value.$options) : withRegExps(item)
    changed ||= view !== item
    entries.push([key, view])
  }
  if ('$options' in value && !('$regex' in value)) throw mongoError('$options needs a $regex')
  // fromEntries defines its keys, so an own "__proto__" key stays data.
  return changed ? Object.fromEntries(entries) : value
}

/**
 * A filter, a pipeline or an update's conditions as mingo should evaluate them: regular
 * expressions as JavaScript RegExps (`withRegExps`) and wide numbers as doubles (`toQueryView`).
 */
export const toFilterView = (value: unknown): unknown => toQueryView(withRegExps(value))
