const DECIMAL = /^[-+]?((\d+\.?\d*|\.\d+)(E[-+]?\d+)?|Inf(inity)?|NaN)$/i

/**
 * A 128-bit decimal (`$numberDecimal`), kept as its exact string: the client only carries it
 * between the server and your code, so it never needs decimal arithmetic (or the `bson` package).
 */
export class Decimal128 {
  readonly #value: string

  /** Wraps a decimal string such as `"1.10"`, `"-2E+3"`, `"NaN"` or `"Infinity"`. */
  constructor(value: string) {
    if (!DECIMAL.test(value))
      throw new TypeError(`Decimal128 needs a decimal string, got "${value}"`)
    this.#value = value
  }

  toString(): string {
    return this.#value
  }

  toJSON(): { $numberDecimal: string } {
    return { $numberDecimal: this.#value }
  }
}
