/** A BSON timestamp (`$timestamp`): seconds `t` and an ordinal `i`, as the oplog uses them. */
export class Timestamp {
  declare readonly t: number
  declare readonly i: number

  constructor({ t, i }: { t: number; i: number }) {
    // `x >>> 0 === x` holds exactly for the integers from 0 to 2^32 - 1.
    if (t >>> 0 !== t || i >>> 0 !== i)
      throw new TypeError('Timestamp needs unsigned 32-bit integers t and i')
    this.t = t
    this.i = i
  }
}
