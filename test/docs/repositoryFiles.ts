import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export const repositoryRoot: string = fileURLToPath(new URL('../../', import.meta.url))

// Files whose text no one reads as documentation or code.
const SKIPPED = /(^|\/)pnpm-lock\.yaml$|\.(png|jpe?g|gif|ico|webp|woff2?|tgz)$/

/** Every file of the repository that git tracks or would track, with its text. */
export const repositoryFiles = (): { path: string; text: string }[] =>
  execFileSync('git', ['ls-files', '--cached', '--others', '--exclude-standard'], {
    cwd: repositoryRoot,
    encoding: 'utf8',
  })
    .split('\n')
    .filter((path) => path !== '' && !SKIPPED.test(path))
    .flatMap((path) => {
      try {
        return [{ path, text: readFileSync(`${repositoryRoot}${path}`, 'utf8') }]
      } catch {
        return [] // deleted in the work tree
      }
    })
