import { closeSync, fsyncSync, openSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { NodeFS } from '@electric-sql/pglite/nodefs'

/** The part of Emscripten's NODEFS this file touches. */
interface NodeFsOps {
  stream_ops: Record<string, unknown>
  realPath(node: unknown): string
}
interface Stream {
  nfd?: number
  node: unknown
}

// Emscripten's EIO: what a failed fsync answers PostgreSQL, which then stops (PANIC) rather than
// carry on with data it cannot be sure of, as on any operating system.
const EIO = 29

/**
 * PostgreSQL's start-up flags as PGlite passes them, minus `-F` (PGlite turns fsync off), and
 * with `wal_sync_method=fsync`: Emscripten's `fdatasync` (PostgreSQL's default method) does
 * nothing, its `fsync` reaches the file system's `fsync` stream operation.
 */
export const SYNCED_START_PARAMS: readonly string[] = [
  ...PGlite.defaultStartParams.filter((param) => param !== '-F'),
  '-c',
  'wal_sync_method=fsync',
]

/**
 * PGlite's Node file system with a working `fsync`: Emscripten's NODEFS has no fsync operation, so
 * PostgreSQL's own fsyncs (the WAL at each commit, the data files at each checkpoint, directories
 * after a rename) were no-ops. With this one they reach the disk, and PostgreSQL's usual promise
 * holds: a commit it acknowledged survives an operating-system crash or a power cut.
 */
export class SyncingNodeFS extends NodeFS {
  override async init(...args: Parameters<NodeFS['init']>): ReturnType<NodeFS['init']> {
    const { emscriptenOpts } = await super.init(...args)
    return {
      emscriptenOpts: {
        ...emscriptenOpts,
        preRun: [
          ...(emscriptenOpts.preRun ?? []),
          (mod) => {
            const nodefs = mod.NODEFS as unknown as NodeFsOps
            const { ErrnoError } = mod.FS as unknown as { ErrnoError: new (errno: number) => Error }
            nodefs.stream_ops.fsync = (stream: Stream) => {
              try {
                if (stream.nfd !== undefined) {
                  fsyncSync(stream.nfd)
                } else {
                  // A directory (PostgreSQL syncs one after renaming a file in it).
                  const fd = openSync(nodefs.realPath(stream.node), 'r')
                  try {
                    fsyncSync(fd)
                  } finally {
                    closeSync(fd)
                  }
                }
              } catch {
                throw new ErrnoError(EIO)
              }
              return 0
            }
          },
        ],
      },
    }
  }
}

/**
 * Syncs every file and folder under `dir` to disk: a data folder PGlite has just created (its
 * initdb runs without fsync) is then as durable as what PostgreSQL syncs from there on.
 */
export const syncTree = (dir: string): void => {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    if (entry.isDirectory()) syncTree(path)
    else if (entry.isFile()) syncPath(path)
  }
  syncPath(dir)
}

const syncPath = (path: string): void => {
  const fd = openSync(path, 'r')
  try {
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}
