import { isApiError, type KnownApiErrorCode } from '@react-custom-data/client'

// What each error code means to the person at the keyboard, and what they can do about it. The
// server's own words (App Services' wire texts, such as "name already in use") are written for
// programs; codes missing here show the server's message, which for a function the app wrote (a
// refused preference) is already meant for people.
const SENTENCES: Partial<Record<KnownApiErrorCode, string>> = {
  AccountNameInUse: 'an account with this email already exists. Log in instead.',
  InvalidPassword: 'the email or the password is wrong.',
  UserPendingConfirmation:
    'this account is not confirmed yet: follow the link in the email we sent.',
  UserDisabled: 'this account is disabled.',
  InvalidSession: 'your session has ended. Log in again.',
  TooManyRequests: 'too many attempts. Wait a minute and try again.',
  NetworkError:
    'the server cannot be reached. Check your connection, or that the server is running, and try again.',
  ExecutionTimeLimitExceeded: 'the server took too long to answer. Try again.',
  PayloadTooLarge: 'that is more than the server accepts. Try something shorter.',
}

/** What went wrong, in words a person can act on, for an error the page shows. */
export const describeError = (error: Error): string => {
  if (!isApiError(error)) return error.message
  const code = error.errorCode as KnownApiErrorCode
  if (Object.hasOwn(SENTENCES, code)) return SENTENCES[code] ?? error.message
  if (error.status === 429) return SENTENCES.TooManyRequests ?? error.message
  if (error.status >= 500) return `the server had a problem (${error.message}). Try again later.`
  return error.message
}
