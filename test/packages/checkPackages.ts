import { spawnSync } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { publint } from 'publint'
import { formatMessage } from 'publint/utils'
import { packPackages } from '../support/packPackages'
import { packedManifestProblems } from './packedManifestProblems'

// `pnpm check:packages`: packs every published package as `pnpm publish` would (publishConfig
// applied) and lints the tarballs: publint (strict: its warnings fail too) and arethetypeswrong
// (types that resolve like the JavaScript, under the esm-only profile: these packages are ESM
// only, so CommonJS `require` is not a target), and what neither looks at (packedManifestProblems).
// Expects `pnpm build:packages` to have run.
const dir = await mkdtemp(join(tmpdir(), 'check-packages-'))
let failures = 0
try {
  for (const packed of await packPackages(dir)) {
    const { name, tarball } = packed
    console.log(`\n${name} (${tarball.split('/').pop()})`)
    const data = await readFile(tarball)
    const { messages, pkg } = await publint({
      pack: { tarball: data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength) },
      strict: true,
      level: 'suggestion',
    })
    for (const message of messages) {
      console.log(`  publint ${message.type}: ${formatMessage(message, pkg, { color: false })}`)
    }
    failures += messages.length
    if (messages.length === 0) console.log('  publint: clean')

    const problems = await packedManifestProblems(packed, pkg)
    for (const problem of problems) console.log(`  package.json: ${problem}`)
    failures += problems.length
    if (problems.length === 0)
      console.log('  manifest (exports, ranges, licence, directives): clean')

    const attw = spawnSync(
      'attw',
      [tarball, '--profile', 'esm-only', '--format', 'table-flipped'],
      {
        encoding: 'utf8',
        shell: false,
      },
    )
    if (attw.status !== 0) {
      failures++
      console.log(attw.stdout, attw.stderr)
    } else console.log('  attw (esm-only): clean')
  }
} finally {
  await rm(dir, { recursive: true, force: true })
}
if (failures > 0) {
  console.error(`\n${failures} problem(s) in the packed packages`)
  process.exit(1)
}
