/**
 * The anchor GitHub gives a heading: its text without markdown (code ticks, link targets,
 * emphasis), lower-cased, punctuation dropped except `-` and `_`, spaces as `-`. A repeated
 * heading gets `-1`, `-2`... (`slugsOf` numbers them).
 */
export const githubSlug = (heading: string): string =>
  heading
    .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-')

/** Every anchor of a markdown file's headings (outside code blocks), as GitHub makes them. */
export const slugsOf = (markdown: string): Set<string> => {
  const slugs = new Set<string>()
  const seen = new Map<string, number>()
  for (const [, text = ''] of withoutCode(markdown).matchAll(/^#{1,6} +(.+?) *#*$/gm)) {
    const base = githubSlug(text)
    const count = seen.get(base) ?? 0
    seen.set(base, count + 1)
    slugs.add(count === 0 ? base : `${base}-${count}`)
  }
  return slugs
}

/** A markdown text with its fenced code blocks blanked out (their lines kept, empty). */
export const withoutCode = (markdown: string): string =>
  markdown.replace(/^```[^\n]*\n[\s\S]*?^```$/gm, (block) => block.replace(/[^\n]/g, ''))
