import type { ProviderConfig } from '../appFolder/AppConfig'

/** The `local-userpass` provider's settings (App Services' names, docs/protocol.md §4). */
export interface UserpassConfig {
  readonly autoConfirm: boolean
  readonly emailConfirmationUrl: string
  readonly confirmEmailSubject: string
  readonly runConfirmationFunction: boolean
  readonly confirmationFunctionName: string
  readonly resetPasswordUrl: string
  readonly resetPasswordSubject: string
  readonly runResetFunction: boolean
  readonly resetFunctionName: string
}

const text = (value: unknown, fallback: string): string =>
  typeof value === 'string' ? value : fallback

/** Reads a `local-userpass` provider's config with App Services' defaults. */
export const userpassConfig = (provider: ProviderConfig): UserpassConfig => {
  const c = provider.config
  return {
    autoConfirm: c.autoConfirm === true,
    emailConfirmationUrl: text(c.emailConfirmationUrl, ''),
    confirmEmailSubject: text(c.confirmEmailSubject, 'Confirm your email address'),
    runConfirmationFunction: c.runConfirmationFunction === true,
    confirmationFunctionName: text(c.confirmationFunctionName, ''),
    resetPasswordUrl: text(c.resetPasswordUrl, ''),
    resetPasswordSubject: text(c.resetPasswordSubject, 'Reset your password'),
    runResetFunction: c.runResetFunction === true,
    resetFunctionName: text(c.resetFunctionName, ''),
  }
}

/** How new accounts get confirmed. */
export const confirmationMode = (config: UserpassConfig): 'auto' | 'function' | 'email' =>
  config.autoConfirm ? 'auto' : config.runConfirmationFunction ? 'function' : 'email'
