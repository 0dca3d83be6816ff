import type { ReactNode } from 'react'
import { ErrorMessage } from './ErrorMessage'
import { THEMES, type Preferences, type Theme } from './preferences'
import { usePreferences, useWritePreferences } from './preferenceHooks'

// Module level, so the selection runs once per new document (react-query's `select`).
const selectTheme = (data: Preferences): Theme => data.theme ?? 'system'

/**
 * The theme switch. Optimistic: the page changes at once, before the server answers, and goes
 * back if the server refuses; other tabs follow when the write lands.
 */
export function ThemePicker(): ReactNode {
  const { data: theme = 'system' } = usePreferences({ select: selectTheme })
  const { write, error } = useWritePreferences({ optimistic: true })
  const choose = (value: Theme) =>
    void write({ theme: value, updatedAt: new Date() }).catch(() => undefined)

  return (
    <fieldset className="theme-picker">
      <legend>Theme</legend>
      <div className="segmented">
        {THEMES.map((option) => (
          <label key={option.value} className={option.value === theme ? 'selected' : undefined}>
            <input
              type="radio"
              name="theme"
              value={option.value}
              checked={option.value === theme}
              onChange={() => choose(option.value)}
            />
            {option.label}
          </label>
        ))}
      </div>
      <ErrorMessage error={error} action="Could not change the theme" />
    </fieldset>
  )
}
