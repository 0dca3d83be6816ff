import { sep } from 'node:path'

// The parts of a warning that name a place: quoted names and file paths.
const TOKEN = /"[^"]*"|[\w.@-]*\/[\w.@/-]*|[\w@-]+\.(?:js|json)\b/g
const SHOWN = 5

/**
 * The warnings as they are logged: paths relative to the app folder, and warnings that differ
 * only in the place they name (a file, a function, a provider) folded into one line with a
 * count, e.g. `functions/a.js has no entry ... (and 30 more like it: functions/b.js, ...)`.
 */
export const foldWarnings = (warnings: readonly string[], appDir: string): string[] => {
  const prefix = appDir.endsWith(sep) ? appDir : `${appDir}${sep}`
  const groups = new Map<string, { first: string; tokens: string[]; others: string[] }>()
  for (const warning of warnings) {
    const text = warning.split(prefix).join('')
    const tokens = text.match(TOKEN) ?? []
    const key = text.replace(TOKEN, '\u2026')
    const group = groups.get(key)
    if (!group) {
      groups.set(key, { first: text, tokens, others: [] })
      continue
    }
    // The first place where this one differs from the first one names it.
    const index = tokens.findIndex((token, at) => token !== group.tokens[at])
    const place = tokens[index]
    // The very same warning twice says nothing new.
    if (place !== undefined && !group.others.includes(place)) group.others.push(place)
  }
  return [...groups.values()].map(({ first, others }) => {
    if (others.length === 0) return first
    const shown = others.slice(0, SHOWN).join(', ')
    const more = others.length > SHOWN ? ', \u2026' : ''
    return `${first} (and ${others.length} more like it: ${shown}${more})`
  })
}
