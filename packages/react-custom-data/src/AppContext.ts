import type { App } from '@react-custom-data/client'
import { createContext, type Context } from 'react'

/** Holds the one `App` of the tree; a stable instance, never a changing value. */
export const AppContext: Context<App | null> = createContext<App | null>(null)
