/** What `getOrCreate` works on: a `Map` or a `WeakMap`. */
interface Cache<K, V> {
  get(key: K): V | undefined
  set(key: K, value: V): unknown
}

/** The value under `key`, created (and kept) on first use; values are objects, never falsy. */
export const getOrCreate = <K, V extends object>(
  cache: Cache<K, V>,
  key: K,
  create: () => V,
): V => {
  let value = cache.get(key)
  if (!value) cache.set(key, (value = create()))
  return value
}
