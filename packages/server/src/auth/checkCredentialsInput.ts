import { ErrorCode, ServiceError } from '../errors/ServiceError'
import type { ServerSettings } from '../ServerContext'

const EMAIL = /^[^\s@]+@[^\s@]+$/

/** A required string field of a request body, or a 400 that names it. */
export const requireString = (body: Record<string, unknown>, key: string): string => {
  const value = body[key]
  if (typeof value !== 'string' || value === '') {
    throw new ServiceError(ErrorCode.MissingParameter, `expected "${key}" to be a non-empty string`)
  }
  return value
}

// Characters that change how text around them is displayed without being seen: bidirectional
// overrides, embeddings, isolates and marks (an address with U+202E can show as another one in a
// mail client or an admin list), and control characters.
const INVISIBLE = /[\p{Cc}\u061C\u200E\u200F\u202A-\u202E\u2066-\u2069]/u

const codePoint = (char: string): string =>
  `U+${(char.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`

/**
 * An email address field of a request body as every local-userpass route reads it: a string, in
 * Unicode's composed form (NFC), so that "é" typed as one character or as "e" and a combining
 * accent (NFD, as some keyboards and macOS file names send it) is one account, not two; and
 * without bidirectional formatting or control characters, refused with a 400 that names the
 * character. Case is kept, as App Services kept it (docs/protocol.md §4).
 */
export const requireEmail = (body: Record<string, unknown>, key: string): string => {
  const email = requireString(body, key).normalize('NFC')
  const invisible = INVISIBLE.exec(email)?.[0]
  if (invisible !== undefined) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      `"${key}" contains ${codePoint(invisible)}, a bidirectional formatting or control character, which an email address cannot hold`,
    ).withDetails({ reason: 'email' })
  }
  return email
}

/** An email address as local-userpass takes it: case-sensitive, as App Services (docs/protocol.md §4). */
export const checkEmail = (email: string): string => {
  if (email.length > 254 || !EMAIL.test(email)) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      'expected a valid email address',
    ).withDetails({ reason: 'email' })
  }
  return email
}

/**
 * A password within the length bounds, counted in characters (code points), checked before any
 * hashing so that a huge password costs nothing (docs/reliability.md A5, A7). Nothing is truncated or
 * normalised: the exact string is what is hashed.
 */
export const checkPassword = (password: string, settings: ServerSettings): string => {
  // Count only up to what can matter: a 1 MiB string is refused without walking all of it.
  if (password.length > settings.passwordMaxLength * 2) {
    throw tooLong(settings)
  }
  const length = [...password].length
  if (length < settings.passwordMinLength) {
    throw new ServiceError(
      ErrorCode.InvalidParameter,
      `password must be between ${settings.passwordMinLength} and ${settings.passwordMaxLength} characters`,
    ).withDetails({ reason: 'length' })
  }
  if (length > settings.passwordMaxLength) throw tooLong(settings)
  return password
}

const tooLong = (settings: ServerSettings): ServiceError =>
  new ServiceError(
    ErrorCode.InvalidParameter,
    `password must be between ${settings.passwordMinLength} and ${settings.passwordMaxLength} characters`,
  ).withDetails({ reason: 'length' })
