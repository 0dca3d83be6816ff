/**
 * `result` plus `extras`, without reading any of `result`'s fields: react-query tracks which
 * fields a component reads and re-renders it only when those change, so every field stays a
 * lazy getter (a spread would read them all).
 */
export const extendResult = <TResult extends object, TExtras extends object>(
  result: TResult,
  extras: TExtras,
): TResult & TExtras => {
  const extended = {} as TResult & TExtras
  for (const key of Object.keys(result)) {
    Object.defineProperty(extended, key, {
      get: () => result[key as keyof TResult],
      enumerable: true,
    })
  }
  return Object.defineProperties(extended, Object.getOwnPropertyDescriptors(extras))
}
