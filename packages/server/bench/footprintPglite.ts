// PGlite as the server opens it (in memory, migrated), in a process of its own, for
// measureFootprint: prints "ready" and idles.
import { openStore } from '../src/store/openStore'

const store = await openStore({ dataDir: ':memory:' })
console.log('ready')
setInterval(() => void store, 60_000)
