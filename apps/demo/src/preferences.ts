/**
 * The demo's custom-data document, as `writeCustomUserData` (backend/functions) stores it and the
 * access token carries it. Every field is optional: a new user has no document yet.
 */
export interface Preferences {
  readonly userId?: string
  readonly favoriteFood?: string
  readonly theme?: Theme
  /** A language tag such as `en` or `pt-BR`: how dates are written on the page. */
  readonly language?: string
  /** An IANA time zone such as `Europe/Paris`: where the page's dates are shown. */
  readonly timeZone?: string
  /** When the preferences last changed, by the server's clock. */
  readonly updatedAt?: Date
}

export type Theme = 'system' | 'light' | 'dark'

export const THEMES: readonly { value: Theme; label: string }[] = [
  { value: 'system', label: 'System' },
  { value: 'light', label: 'Light' },
  { value: 'dark', label: 'Dark' },
]

export const LANGUAGES: readonly { value: string; label: string }[] = [
  { value: 'en', label: 'English' },
  { value: 'de', label: 'Deutsch' },
  { value: 'es', label: 'Español' },
  { value: 'fr', label: 'Français' },
  { value: 'it', label: 'Italiano' },
  { value: 'pt-BR', label: 'Português (Brasil)' },
  { value: 'ja', label: '日本語' },
  { value: 'zh-CN', label: '中文 (简体)' },
]

/** What the page uses for a preference the user has not set: the browser's own settings. */
export const browserDefaults = (): Required<
  Pick<Preferences, 'theme' | 'language' | 'timeZone'>
> => {
  const { locale, timeZone } = Intl.DateTimeFormat().resolvedOptions()
  return { theme: 'system', language: locale, timeZone }
}

/** Every time zone this browser knows, for the time-zone picker. */
export const timeZones = (): readonly string[] => Intl.supportedValuesOf('timeZone')

export const labelOf = (
  options: readonly { value: string; label: string }[],
  value: string | undefined,
): string | undefined => options.find((option) => option.value === value)?.label ?? value

/** A language tag's name in that language: the list's label, else the browser's name for it. */
export const languageName = (tag: string | undefined): string | undefined => {
  if (!tag) return undefined
  const listed = LANGUAGES.find((language) => language.value === tag)
  if (listed) return listed.label
  try {
    return new Intl.DisplayNames([tag], { type: 'language' }).of(tag) ?? tag
  } catch {
    return tag
  }
}
