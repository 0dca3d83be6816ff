import type { Preferences } from './preferences'

/**
 * A date written in the user's language and time zone: the preferences are not just stored, the
 * page uses them. A tag or zone this browser does not know falls back to its own defaults.
 */
export const formatDateTime = (
  date: Date | number,
  { language, timeZone }: Pick<Preferences, 'language' | 'timeZone'>,
): string => {
  const style = { dateStyle: 'medium', timeStyle: 'medium' } as const
  try {
    return new Intl.DateTimeFormat(language, { ...style, timeZone }).format(date)
  } catch {
    return new Intl.DateTimeFormat(undefined, style).format(date)
  }
}
