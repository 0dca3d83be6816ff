import { isApiError } from '@react-custom-data/client'
import type { ReactNode } from 'react'

/** What went wrong, in words a user can act on; the server's own message where it has one. */
export const describeError = (error: Error): string => {
  if (!isApiError(error)) return error.message
  if (error.errorCode === 'NetworkError') {
    return 'the server cannot be reached. Check your connection, or that the server is running, and try again.'
  }
  if (error.status === 429) return 'too many attempts. Wait a minute and try again.'
  if (error.status >= 500) return `the server had a problem (${error.message}). Try again later.`
  return error.message
}

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
