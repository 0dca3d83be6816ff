import { useState, type FormEvent, type ReactNode } from 'react'
import { ErrorMessage } from './ErrorMessage'
import {
  LANGUAGES,
  browserDefaults,
  languageName,
  timeZones,
  type Preferences,
} from './preferences'
import { useWritePreferences } from './preferenceHooks'

type Draft = Required<Pick<Preferences, 'favoriteFood' | 'language' | 'timeZone'>>

/** The fields of the draft that differ from what is shown now, or null when none does. */
const changesOf = (draft: Draft, shown: Draft): Partial<Draft> | null => {
  const changed = (Object.keys(draft) as (keyof Draft)[]).filter((key) => draft[key] !== shown[key])
  return changed.length ? Object.fromEntries(changed.map((key) => [key, draft[key]])) : null
}

// A list that always holds the current value, even one the list does not offer.
const withValue = (values: readonly string[], value: string) =>
  values.includes(value) ? values : [value, ...values]

/**
 * Edits favourite food, language and time zone. The write is optimistic: the summary shows the
 * new values at once and goes back if the server refuses them. The rules (a food of 1 to 60
 * characters, a real language and time zone) live in one place, the server's
 * `writeCustomUserData`; the form shows its answer.
 */
export function PreferencesForm({
  current,
  onDone,
}: {
  readonly current: Preferences
  readonly onDone: () => void
}): ReactNode {
  const defaults = browserDefaults()
  const shown: Draft = {
    favoriteFood: current.favoriteFood ?? '',
    language: current.language ?? defaults.language,
    timeZone: current.timeZone ?? defaults.timeZone,
  }
  const [draft, setDraft] = useState(shown)
  const { write, isPending, error } = useWritePreferences({ optimistic: true })
  const changes = changesOf({ ...draft, favoriteFood: draft.favoriteFood.trim() }, shown)

  const save = (event: FormEvent) => {
    event.preventDefault()
    if (!changes) return onDone()
    // updatedAt asks the server to stamp the write with its own clock.
    write({ ...changes, updatedAt: new Date() }).then(onDone, () => undefined)
  }
  const set = (key: keyof Draft) => (event: { target: { value: string } }) =>
    setDraft((previous) => ({ ...previous, [key]: event.target.value }))

  return (
    <form className="stack edit" onSubmit={save} aria-label="Edit preferences">
      <label>
        Favourite food
        <input value={draft.favoriteFood} onChange={set('favoriteFood')} placeholder="pizza" />
      </label>
      <label>
        Language
        <select value={draft.language} onChange={set('language')}>
          {withValue(
            LANGUAGES.map((language) => language.value),
            draft.language,
          ).map((value) => (
            <option key={value} value={value}>
              {languageName(value)}
            </option>
          ))}
        </select>
      </label>
      <label>
        Time zone
        <select value={draft.timeZone} onChange={set('timeZone')}>
          {withValue(timeZones(), draft.timeZone).map((zone) => (
            <option key={zone}>{zone}</option>
          ))}
        </select>
      </label>
      <ErrorMessage error={error} action="Could not save" />
      <div className="actions">
        <button type="submit" disabled={isPending}>
          {isPending ? 'Saving…' : 'Save'}
        </button>
        <button type="button" className="secondary" onClick={onDone} disabled={isPending}>
          Cancel
        </button>
      </div>
    </form>
  )
}
