import type { MaybePromise } from './ruleValues'

// Rule checks are synchronous unless an expression calls a function (`%function`): these helpers
// combine such answers without turning every check into a promise.

/** Applies `next` to a value that may still be coming. (Not named `then`: a module exporting `then` is a thenable to `import()`.) */
export const andThen = <T, U>(value: MaybePromise<T>, next: (value: T) => MaybePromise<U>) =>
  value instanceof Promise ? value.then(next) : next(value)

/** True when every step is true; stops at the first false one. */
export const every = (steps: readonly (() => MaybePromise<boolean>)[]): MaybePromise<boolean> => {
  for (let index = 0; index < steps.length; index += 1) {
    const answer = (steps[index] as () => MaybePromise<boolean>)()
    if (answer instanceof Promise) {
      return answer.then((ok) => (ok ? every(steps.slice(index + 1)) : false))
    }
    if (!answer) return false
  }
  return true
}

/** True when some step is true; stops at the first true one. */
export const some = (steps: readonly (() => MaybePromise<boolean>)[]): MaybePromise<boolean> => {
  for (let index = 0; index < steps.length; index += 1) {
    const answer = (steps[index] as () => MaybePromise<boolean>)()
    if (answer instanceof Promise) {
      return answer.then((ok) => (ok ? true : some(steps.slice(index + 1))))
    }
    if (answer) return true
  }
  return false
}

/** The first item for which `test` holds, in order; undefined when none does. */
export const findFirst = <T>(
  items: readonly T[],
  test: (item: T) => MaybePromise<boolean>,
  from = 0,
): MaybePromise<T | undefined> => {
  for (let index = from; index < items.length; index += 1) {
    const item = items[index] as T
    const answer = test(item)
    if (answer instanceof Promise) {
      return answer.then((ok) => (ok ? item : findFirst(items, test, index + 1)))
    }
    if (answer) return item
  }
  return undefined
}
