import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))

/** A markdown file of the repository, by its path from the root. */
export const readDoc = (path: string): Promise<string> => readFile(`${root}${path}`, 'utf8')

const fencedBlocks = (markdown: string): { lang: string; code: string }[] =>
  [...markdown.matchAll(/^```(\w*)[^\n]*\n([\s\S]*?)^```$/gm)].map(([, lang = '', code = '']) => ({
    lang,
    code,
  }))

/**
 * The code blocks of a README that are whole files: those whose first line is a comment naming
 * the file (`// src/main.tsx`), by that path. The consumer test writes them into apps as they
 * are, so the README cannot drift from code that builds and runs.
 */
export const codeFiles = (markdown: string): Map<string, string> => {
  const files = new Map<string, string>()
  for (const { lang, code } of fencedBlocks(markdown)) {
    if (!['ts', 'tsx'].includes(lang)) continue
    const path = /^\/\/ ((?:src|app)\/[\w./-]+\.tsx?)\n/.exec(code)?.[1]
    if (path) files.set(path, code)
  }
  return files
}

/** The commands of a README's `sh` blocks that start with `prefix`, comments taken off. */
export const shellCommands = (markdown: string, prefix: string): string[] =>
  fencedBlocks(markdown)
    .filter(({ lang }) => lang === 'sh')
    .flatMap(({ code }) => code.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith(prefix))

/** The one command of a README that starts with `prefix`, as words after the prefix. */
export const shellCommand = (markdown: string, prefix: string): string[] => {
  const commands = shellCommands(markdown, prefix)
  if (commands.length !== 1) {
    throw new Error(`expected one "${prefix}" command in the README, found ${commands.length}`)
  }
  return (commands[0] ?? '').slice(prefix.length).trim().split(/\s+/)
}
