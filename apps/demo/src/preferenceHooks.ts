import { createCustomDataHooks } from 'react-custom-data'
import type { Preferences } from './preferences'

// The library's hooks typed to the demo's document once, instead of a generic at every call.
export const { useCustomData: usePreferences, useWriteCustomData: useWritePreferences } =
  createCustomDataHooks<Preferences>()
