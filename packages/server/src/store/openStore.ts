import { createPgliteStore } from './createPgliteStore'
import { createPostgresStore } from './createPostgresStore'
import { migrate } from './migrate'
import type { Store } from './Store'

/** Where the data lives: a PGlite data folder (or `:memory:`), or a PostgreSQL server. */
export type StoreOptions =
  | { readonly dataDir: string; readonly databaseUrl?: undefined }
  | { readonly databaseUrl: string; readonly schema?: string; readonly dataDir?: undefined }

/** Opens the store and brings its schema up to date. */
export const openStore = async (options: StoreOptions): Promise<Store> => {
  const store =
    options.databaseUrl !== undefined
      ? await createPostgresStore(options)
      : await createPgliteStore({ dataDir: options.dataDir })
  try {
    await migrate(store)
  } catch (error) {
    await store.close()
    throw error
  }
  return store
}
