/**
 * A BSON regular expression JavaScript cannot run (`$regularExpression` with the `x` or `l`
 * option, or PCRE-only syntax). Ones JavaScript can run decode to a native `RegExp`.
 */
export class BSONRegExp {
  declare readonly pattern: string
  /** BSON options, alphabetical: `i`, `l`, `m`, `s`, `u`, `x`. */
  declare readonly options: string

  constructor(pattern: string, options = '') {
    this.pattern = pattern
    this.options = [...options].sort().join('')
  }
}
