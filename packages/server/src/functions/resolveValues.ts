import type { Logger } from 'pino'
import type { AppConfig } from '../appFolder/AppConfig'

/**
 * `context.values` and rules' `%%values`: each value of `values/*.json`, a secret-backed one
 * (`from_secret: true`) read through `secret(name)` (App Services does not export secrets). A
 * secret that is not set reads as undefined, with one warning at start-up.
 */
export const resolveValues = (
  app: AppConfig,
  secret: (name: string) => string | undefined,
  logger: Logger,
): Record<string, unknown> => {
  const values: Record<string, unknown> = {}
  for (const value of app.values.values()) {
    if (!value.fromSecret) {
      values[value.name] = value.value
      continue
    }
    const resolved = secret(String(value.value))
    if (resolved === undefined) {
      logger.warn(
        { value: value.name, secret: value.value },
        'a value refers to a secret that is not set; context.values.get() answers undefined for it',
      )
    }
    values[value.name] = resolved
  }
  return values
}
