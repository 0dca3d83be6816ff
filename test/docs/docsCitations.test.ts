import { existsSync } from 'node:fs'
import { dirname, join, normalize } from 'node:path'
import { describe, expect, it } from 'vitest'
import { slugsOf, withoutCode } from './githubSlug'
import { repositoryFiles, repositoryRoot } from './repositoryFiles'

const files = repositoryFiles()
const textOf = (path: string): string => files.find((file) => file.path === path)?.text ?? ''
const protocol = textOf('docs/protocol.md')
const reliability = textOf('docs/reliability.md')

/** Each line of each file, with where it is. */
const lines = files.flatMap(({ path, text }) =>
  text.split('\n').map((line, index) => ({ where: `${path}:${index + 1}`, path, line })),
)

/**
 * The sections of a numbered document: its headings' numbers (`17`, `17.3`, `1e`), and the items
 * of a numbered list under a heading (`15.7`, item 7 of section 15).
 */
const sectionsOf = (markdown: string): Set<string> => {
  const sections = new Set<string>()
  let current = ''
  for (const line of withoutCode(markdown).split('\n')) {
    const heading = /^#{2,4} +(\d+[a-z]?(?:\.\d+)*)\.? /.exec(line)
    if (heading?.[1]) {
      current = heading[1]
      sections.add(current)
      continue
    }
    const item = /^(\d+)\. /.exec(line)
    if (item?.[1] && current) sections.add(`${current}.${item[1]}`)
  }
  return sections
}

/** The scenario IDs a text names: `B12`, and every ID of a range such as `B2–B8`. */
const scenarioIds = (text: string): string[] =>
  [...text.matchAll(/\b([A-J])(\d+)(?:\s*[–-]\s*(?:\1)?(\d+))?\b/g)].flatMap(
    ([, letter = '', from = '', to]) => {
      const first = Number(from)
      const last = to === undefined ? first : Number(to)
      return Array.from(
        { length: Math.max(1, last - first + 1) },
        (_, i) => `${letter}${first + i}`,
      )
    },
  )

describe('the repository stands on its own', () => {
  it('cites no design notes outside it', () => {
    // Spelled in pieces so that this file does not cite them itself.
    const forbidden = [
      ['..', 'shared'].join('/'),
      ['', 'work', 'shared'].join('/'),
      ...['PROTOCOL', 'RELIABILITY', 'ARCHITECTURE', 'PEERS', 'STYLE'].map((name) => `${name}.md`),
    ]
    const offenders = lines
      .filter(({ line }) => forbidden.some((reference) => line.includes(reference)))
      .map(({ where, line }) => `${where}: ${line.trim()}`)
    expect(offenders).toEqual([])
  })

  it('every section of the protocol or of the reliability document that is cited exists', () => {
    const sections = { protocol: sectionsOf(protocol), reliability: sectionsOf(reliability) }
    expect(sections.protocol.has('17.3')).toBe(true)
    const missing: string[] = []
    for (const { where, line } of lines) {
      for (const match of line.matchAll(/(RFC \d+ )?§ ?(\d+[a-z]?(?:\.\d+)*)/g)) {
        if (match[1]) continue // a standard's section, not ours
        const cited = match[2] ?? ''
        // A bare § is the protocol's; one after a mention of reliability.md is that document's.
        const before = line.slice(0, match.index)
        const doc =
          before.lastIndexOf('reliability.md') > before.lastIndexOf('protocol.md')
            ? 'reliability'
            : 'protocol'
        if (!sections[doc].has(cited)) missing.push(`${where}: ${doc} §${cited}`)
      }
    }
    expect(missing).toEqual([])
  })

  it('every scenario ID a test title or a comment cites is listed in docs/reliability.md', () => {
    const listed = new Set([...reliability.matchAll(/^- \*\*([A-J]\d+)\*\*/gm)].map((m) => m[1]))
    expect(listed.size).toBeGreaterThan(100)
    const missing: string[] = []
    for (const { where, path, line } of lines) {
      const cited: string[] = []
      if (/\.test\.tsx?$/.test(path)) {
        // A test title that starts with IDs: 'B12: ...', "E1, E2: ...".
        for (const [, ids = ''] of line.matchAll(
          /['"`]((?:[A-J]\d+(?:\s*[–-]\s*[A-J]?\d+)?[,\s]*)+):/g,
        )) {
          cited.push(...scenarioIds(ids))
        }
      }
      for (const [, after = ''] of line.matchAll(/docs\/reliability\.md([^)`\n]*)/g)) {
        cited.push(...scenarioIds(after))
      }
      for (const id of cited) if (!listed.has(id)) missing.push(`${where}: ${id}`)
    }
    expect(missing).toEqual([])
  })

  it('relative links in markdown lead to files that exist, and to headings that exist', () => {
    const broken: string[] = []
    for (const { path, text } of files.filter((file) => file.path.endsWith('.md'))) {
      for (const [, target = ''] of withoutCode(text).matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
        if (/^[a-z]+:/i.test(target)) continue // https:, mailto:
        const [file = '', anchor] = target.split('#')
        const resolved = file === '' ? path : normalize(join(dirname(path), file))
        if (!existsSync(join(repositoryRoot, resolved))) {
          broken.push(`${path}: ${target} (no ${resolved})`)
        } else if (anchor && resolved.endsWith('.md') && !slugsOf(textOf(resolved)).has(anchor)) {
          broken.push(`${path}: ${target} (no heading #${anchor} in ${resolved})`)
        }
      }
    }
    expect(broken).toEqual([])
  })

  it('every docs/*.md named anywhere exists', () => {
    const missing = lines.flatMap(({ where, line }) =>
      [...line.matchAll(/\bdocs\/[\w.-]+\.md\b/g)]
        .map(([name]) => name)
        .filter((name) => !existsSync(join(repositoryRoot, name)))
        .map((name) => `${where}: ${name}`),
    )
    expect(missing).toEqual([])
  })
})
