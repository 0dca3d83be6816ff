import type { ReactNode } from 'react'
import { describeError } from './describeError'

/** An error shown in the page (not only in the console), announced to screen readers. */
export function ErrorMessage({
  error,
  action,
}: {
  readonly error: Error | null | undefined
  /** What failed, e.g. "Could not save". */
  readonly action: string
}): ReactNode {
  if (!error) return null
  return (
    <p role="alert" className="error">
      {action}: {describeError(error)}
    </p>
  )
}
