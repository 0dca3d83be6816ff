import { useEffect } from 'react'
import type { Theme } from './preferences'

/**
 * Puts the theme on `<html data-theme>`, where styles.css picks it up; `system` (or nobody
 * signed in) leaves it to the browser's `prefers-color-scheme`.
 */
export const useThemeOnPage = (theme: Theme | undefined): void => {
  useEffect(() => {
    const root = document.documentElement
    if (theme === 'light' || theme === 'dark') root.dataset.theme = theme
    else delete root.dataset.theme
    return () => {
      delete root.dataset.theme
    }
  }, [theme])
}
