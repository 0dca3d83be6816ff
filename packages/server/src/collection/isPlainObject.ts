import type { Document } from './documentCodec'

/**
 * A plain object (`{...}` or JSON's), not an array, a Date, an ObjectId or another class: what a
 * filter, an update, an options object or a document body must be.
 */
export const isPlainObject = (value: unknown): value is Document =>
  typeof value === 'object' &&
  value !== null &&
  !Array.isArray(value) &&
  Object.getPrototypeOf(value) === Object.prototype
