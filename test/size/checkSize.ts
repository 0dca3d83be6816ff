import { fileURLToPath } from 'node:url'
import { entries } from './entries'
import { measureEntry } from './measureEntry'

// `pnpm size`: bundles every entry, prints the sizes next to each other, and fails when an entry
// with a budget is over it.
const resolveDir = fileURLToPath(new URL('..', import.meta.url))
// Decimal kilobytes, as budgets are stated: 6 kB is 6,000 B.
const kb = (bytes: number): string => `${(bytes / 1000).toFixed(2)} kB`
const sized = (bytes: number): string => `${bytes} B (${kb(bytes)})`

// A reference entry that cannot be bundled for the browser at all (@realm/react) prints why.
const rows = await Promise.all(
  entries.map(async (entry) => {
    try {
      return { entry, size: await measureEntry(entry, resolveDir) }
    } catch (error) {
      if (entry.budget !== undefined) throw error
      const [first] = (error as { errors?: { text: string }[] }).errors ?? []
      return { entry, failure: first?.text ?? String(error) }
    }
  }),
)
const width = Math.max(...entries.map((entry) => entry.name.length))
console.log(
  `${'entry'.padEnd(width)}  ${'minified'.padStart(20)}  ${'min+gzip'.padStart(18)}  budget`,
)
let over = 0
for (const { entry, size, failure } of rows) {
  if (!size) {
    console.log(`${entry.name.padEnd(width)}  does not bundle for the browser: ${failure}`)
    continue
  }
  const verdict =
    entry.budget === undefined
      ? '(reference)'
      : size.gzipped <= entry.budget
        ? `${kb(entry.budget)} ok`
        : `${kb(entry.budget)} OVER by ${size.gzipped - entry.budget} B`
  if (entry.budget !== undefined && size.gzipped > entry.budget) over++
  console.log(
    `${entry.name.padEnd(width)}  ${sized(size.minified).padStart(20)}  ${sized(size.gzipped).padStart(18)}  ${verdict}`,
  )
}
if (over > 0) {
  console.error(`size: ${over} entr${over === 1 ? 'y is' : 'ies are'} over budget`)
  process.exit(1)
}
