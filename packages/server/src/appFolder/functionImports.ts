import { AppFolderError } from './readJsonFile'

/** A function file made ready to run: its body, and the modules it names. */
export interface FunctionBody {
  /**
   * The source with its ES `import` declarations turned into `require` calls, line for line, so
   * that stack frames still name the file's own lines. The function runtime compiles it.
   */
  readonly code: string
  /** Every module the file imports or `require`s with a literal name, in order, once each. */
  readonly modules: readonly string[]
}

const IDENTIFIER = /[A-Za-z_$][\w$]*/y
const SPACE = /(?:\s+|\/\/[^\n]*|\/\*[\s\S]*?\*\/)*/y
const STRING = /(['"])((?:\\.|(?!\1)[^\\\n])*)\1/y
const REQUIRE_CALL = /\brequire\s*\(\s*(['"])((?:\\.|(?!\1)[^\\\n])*)\1\s*\)/g

/** The text of a quoted string a pattern above found (group 2 holds it between its quotes). */
const unquote = (found: RegExpExecArray): string => (found[2] ?? '').replace(/\\(.)/g, '$1')

/** Reads the file's leading import declarations, one token at a time. */
class ImportScanner {
  pos = 0
  constructor(
    readonly source: string,
    readonly path: string,
  ) {}

  skipSpace(): void {
    SPACE.lastIndex = this.pos
    SPACE.exec(this.source)
    this.pos = SPACE.lastIndex
  }

  match(pattern: RegExp): RegExpExecArray | null {
    this.skipSpace()
    pattern.lastIndex = this.pos
    const found = pattern.exec(this.source)
    if (found) this.pos = pattern.lastIndex
    return found
  }

  punctuation(char: string): boolean {
    this.skipSpace()
    if (this.source[this.pos] !== char) return false
    this.pos += 1
    return true
  }

  keyword(word: string): boolean {
    this.skipSpace()
    const found = this.match(IDENTIFIER)
    if (found?.[0] === word) return true
    if (found) this.pos = found.index
    return false
  }

  fail(what: string): never {
    const line = this.source.slice(0, this.pos).split('\n').length
    throw new AppFolderError(`${this.path}:${line}: ${what} in an import declaration`)
  }

  identifier(): string {
    return this.match(IDENTIFIER)?.[0] ?? this.fail('a name is expected')
  }

  string(): string {
    const found = this.match(STRING)
    return found ? unquote(found) : this.fail('a quoted module name is expected')
  }

  /** `{ a, b as c, default as d, "x-y" as e }` as destructuring entries. */
  namedList(): string[] {
    const entries: string[] = []
    while (!this.punctuation('}')) {
      const quoted = this.match(STRING)
      const imported = quoted ? JSON.stringify(unquote(quoted)) : this.identifier()
      const local = this.keyword('as') ? this.identifier() : imported
      entries.push(imported === local ? local : `${imported}: ${local}`)
      if (!this.punctuation(',') && this.source[this.pos] !== '}') {
        this.skipSpace()
        if (this.source[this.pos] !== '}') this.fail('"," or "}" is expected')
      }
    }
    return entries
  }

  /** Import attributes (`with { type: "json" }`) mean nothing to `require`: skipped. */
  attributes(): void {
    if (!this.keyword('with') && !this.keyword('assert')) return
    if (!this.punctuation('{')) this.fail('"{" is expected')
    const end = this.source.indexOf('}', this.pos)
    if (end < 0) this.fail('"}" is expected')
    this.pos = end + 1
  }
}

/** One import declaration as a `require` statement; the scanner is just past `import`. */
const declaration = (scan: ImportScanner, modules: string[]): string => {
  const direct = scan.match(STRING)
  if (direct) {
    const name = unquote(direct)
    modules.push(name)
    scan.attributes()
    return `require(${JSON.stringify(name)});`
  }
  let defaultName: string | undefined
  let namespace: string | undefined
  let named: string[] | undefined
  if (scan.punctuation('*')) {
    if (!scan.keyword('as')) scan.fail('"as" is expected')
    namespace = scan.identifier()
  } else if (scan.punctuation('{')) {
    named = scan.namedList()
  } else {
    defaultName = scan.identifier()
    if (scan.punctuation(',')) {
      if (scan.punctuation('*')) {
        if (!scan.keyword('as')) scan.fail('"as" is expected')
        namespace = scan.identifier()
      } else if (scan.punctuation('{')) {
        named = scan.namedList()
      } else scan.fail('"{" or "*" is expected')
    }
  }
  if (!scan.keyword('from')) scan.fail('"from" is expected')
  const name = scan.string()
  modules.push(name)
  scan.attributes()
  const load = `__importModule(${JSON.stringify(name)})`
  if (namespace !== undefined) {
    return defaultName === undefined
      ? `const ${namespace} = ${load};`
      : `const ${namespace} = ${load}, ${defaultName} = ${namespace}.default;`
  }
  const entries = [
    ...(defaultName === undefined ? [] : [`default: ${defaultName}`]),
    ...(named ?? []),
  ]
  return `const { ${entries.join(', ')} } = ${load};`
}

/**
 * Turns the ES `import` declarations at the top of a function file into `require` calls, as App
 * Services' transpiler did: `import x from "m"` takes `module.exports` of a CommonJS module (its
 * `default` when it was compiled from ES modules), `import * as ns` and named imports read its
 * exports. Declarations may be preceded by comments and each other only: an `import` after the
 * first statement stops the start, naming the file and line.
 */
export const toFunctionBody = (source: string, path: string): FunctionBody => {
  const scan = new ImportScanner(source, path)
  const modules: string[] = []
  let code = ''
  let copied = 0
  if (source.startsWith('#!'))
    scan.pos = source.indexOf('\n') < 0 ? source.length : source.indexOf('\n')
  for (;;) {
    scan.skipSpace()
    const start = scan.pos
    if (!scan.keyword('import')) break
    // `import(...)` and `import.meta` are expressions, not declarations.
    scan.skipSpace()
    if (source[scan.pos] === '(' || source[scan.pos] === '.') {
      scan.pos = start
      break
    }
    const statement = declaration(scan, modules)
    scan.punctuation(';')
    const original = source.slice(start, scan.pos)
    code += source.slice(copied, start) + statement + '\n'.repeat(original.split('\n').length - 1)
    copied = scan.pos
  }
  code += source.slice(copied)
  for (const found of source.matchAll(REQUIRE_CALL)) modules.push(unquote(found))
  return { code, modules: [...new Set(modules)] }
}
