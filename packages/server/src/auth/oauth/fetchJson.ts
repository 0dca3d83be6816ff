import { OAuthError } from './OAuthError'

/** How long a call to a provider may take before the login fails. */
const TIMEOUT_MS = 10_000

/**
 * Calls a provider's endpoint and reads its JSON answer. A provider that cannot be reached, times
 * out or answers something else fails the login with a message that names the provider's answer
 * (an OAuth `error_description`, Graph's `error.message`), never with our internals.
 */
export const fetchJson = async (
  url: string,
  what: string,
  init: RequestInit = {},
): Promise<Record<string, unknown>> => {
  let response: Response
  try {
    response = await fetch(url, {
      ...init,
      headers: { accept: 'application/json', ...init.headers },
      signal: AbortSignal.timeout(TIMEOUT_MS),
      redirect: 'error',
    })
  } catch (error) {
    throw new OAuthError(`${what} could not be reached (${(error as Error).message})`, {
      unavailable: true,
    })
  }
  let body: unknown
  try {
    body = await response.json()
  } catch {
    body = undefined
  }
  const answer =
    typeof body === 'object' && body !== null && !Array.isArray(body) ? body : undefined
  if (!response.ok || !answer) {
    throw new OAuthError(
      `${what} refused: ${describeRefusal(answer) ?? `status ${response.status}`}`,
      { unavailable: response.status >= 500 },
    )
  }
  return answer as Record<string, unknown>
}

const describeRefusal = (answer: object | undefined): string | undefined => {
  if (!answer) return undefined
  const { error, error_description: description } = answer as Record<string, unknown>
  // Graph answers { error: { message, type, code } }.
  if (typeof error === 'object' && error !== null && 'message' in error) {
    return String(error.message)
  }
  if (typeof description === 'string') return `${String(error)}: ${description}`
  return typeof error === 'string' ? error : undefined
}
