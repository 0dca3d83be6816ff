import type { AppConfig } from '../appFolder/AppConfig'

/**
 * `context.values` and rules' `%%values`: each value of `values/*.json`, a secret-backed one
 * (`from_secret: true`) read through `secret(name)` (App Services does not export secrets). A
 * secret that is not set reads as undefined (`applySecrets` names it at start-up).
 */
export const resolveValues = (
  app: AppConfig,
  secret: (name: string) => string | undefined,
): Record<string, unknown> => {
  const values: Record<string, unknown> = {}
  for (const value of app.values.values()) {
    if (!value.fromSecret) {
      values[value.name] = value.value
      continue
    }
    values[value.name] = secret(String(value.value))
  }
  return values
}
