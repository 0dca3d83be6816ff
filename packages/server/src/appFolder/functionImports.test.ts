import { describe, expect, it } from 'vitest'
import { toFunctionBody } from './functionImports'

const body = (source: string) => toFunctionBody(source, 'functions/f.js')

describe('toFunctionBody: ES import declarations at the top of a function file', () => {
  it.each([
    ["import x from 'm'", `const { default: x } = __importModule("m");`],
    ['import * as ns from "m"', `const ns = __importModule("m");`],
    ["import { a, b as c } from 'm';", `const { a, b: c } = __importModule("m");`],
    ["import { default as d } from 'm'", `const { default: d } = __importModule("m");`],
    ["import x, { a } from 'm'", `const { default: x, a } = __importModule("m");`],
    ["import x, * as ns from 'm'", `const ns = __importModule("m"), x = ns.default;`],
    ["import 'm'", `require("m");`],
    ["import { 'a-b' as ab } from 'm'", `const { "a-b": ab } = __importModule("m");`],
    [
      "import data from './data.json' with { type: 'json' }",
      `const { default: data } = __importModule("./data.json");`,
    ],
  ])('%s', (declaration, statement) => {
    expect(body(`${declaration}\nexports = () => 1\n`).code).toBe(
      `${statement}\nexports = () => 1\n`,
    )
  })

  it('keeps every line where it was: comments, several and multi-line declarations', () => {
    const source = [
      '// a comment first',
      'import {',
      '  a,',
      '  b as c, // trailing comment',
      "} from '@scope/pkg/sub'",
      '/* block */ import d from "d"',
      'exports = () => a + c + d',
      '',
    ].join('\n')
    const { code, modules } = body(source)
    expect(code.split('\n')).toHaveLength(source.split('\n').length)
    expect(code.split('\n')[6]).toBe('exports = () => a + c + d')
    expect(modules).toEqual(['@scope/pkg/sub', 'd'])
  })

  it('names the modules a file requires with literal names too, once each', () => {
    const { modules } = body(
      "import a from 'a'\nexports = () => [require('b'), require(\"a\"), require(name)]",
    )
    expect(modules).toEqual(['a', 'b'])
  })

  it('leaves import() and import.meta, and files without imports, as they are', () => {
    for (const source of ["exports = () => import('x')", 'exports = () => 1', 'important = 1']) {
      expect(body(source).code).toBe(source)
    }
  })

  it('names the file and line of a malformed declaration', () => {
    expect(() => body("\nimport { a from 'm'")).toThrow(
      /functions\/f\.js:2: .* in an import declaration/,
    )
    expect(() => body("import x 'm'")).toThrow(/"from" is expected/)
  })
})
