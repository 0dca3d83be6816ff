import type { AppConfig, ProviderConfig } from '../appFolder/AppConfig'
import { AppFolderError } from '../appFolder/readJsonFile'
import { createCustomTokenVerifier } from '../auth/createCustomTokenVerifier'
import { userpassConfig } from '../auth/userpassConfig'
import { systemClock } from '../Clock'

/** The function settings of a provider that must name a function of `functions/`. */
const functionSettings = (provider: ProviderConfig): string[] => {
  if (provider.type === 'custom-function') return ['authFunctionName']
  if (provider.type !== 'local-userpass') return []
  const config = userpassConfig(provider)
  return [
    ...(config.runConfirmationFunction ? ['confirmationFunctionName'] : []),
    ...(config.runResetFunction ? ['resetFunctionName'] : []),
  ]
}

/**
 * What the server checks only once it builds its login handlers, checked without starting it:
 * the functions providers name, and each custom-JWT provider's keys (read from the secrets).
 */
export const startupProblems = async (
  app: AppConfig,
  secret: (name: string) => string | undefined,
): Promise<string[]> => {
  const problems: string[] = []
  for (const provider of Object.values(app.providers)) {
    if (provider.disabled) continue
    for (const key of functionSettings(provider)) {
      const name = provider.config[key]
      if (typeof name !== 'string' || !app.functions.has(name)) {
        problems.push(
          `auth/providers.json ("${provider.name}"): "${key}" must name a function of functions/ (got ${JSON.stringify(name)}).`,
        )
      }
    }
    if (provider.type === 'custom-token') {
      try {
        await createCustomTokenVerifier(provider, { secret, clock: systemClock })
      } catch (error) {
        if (!(error instanceof AppFolderError)) throw error
        problems.push(error.message)
      }
    }
  }
  return problems
}
