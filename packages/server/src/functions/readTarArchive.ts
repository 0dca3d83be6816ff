import { gunzipSync } from 'node:zlib'

/** One entry of a tar archive. */
export interface TarEntry {
  readonly path: string
  readonly type: 'file' | 'directory' | 'symlink' | 'other'
  /** The file's bytes (empty for other types). */
  readonly data: Uint8Array
  /** A symlink's target. */
  readonly linkTarget: string
}

const BLOCK = 512

const text = (bytes: Uint8Array, start: number, length: number): string => {
  const field = bytes.subarray(start, start + length)
  const end = field.indexOf(0)
  return Buffer.from(end < 0 ? field : field.subarray(0, end)).toString('utf8')
}

/** A numeric field: octal text, or base-256 when the first byte's high bit is set (GNU). */
const numeric = (bytes: Uint8Array, start: number, length: number): number => {
  const first = bytes[start] ?? 0
  if (first & 0x80) {
    let value = first & 0x7f
    for (let i = 1; i < length; i += 1) value = value * 256 + (bytes[start + i] ?? 0)
    return value
  }
  const digits = text(bytes, start, length).trim()
  return digits === '' ? 0 : parseInt(digits, 8)
}

/** pax extended header records: `<length> <key>=<value>\n`, one after another. */
const paxRecords = (data: Uint8Array): Map<string, string> => {
  const records = new Map<string, string>()
  const all = Buffer.from(data).toString('utf8')
  let pos = 0
  while (pos < all.length) {
    const space = all.indexOf(' ', pos)
    if (space < 0) break
    const length = parseInt(all.slice(pos, space), 10)
    if (!(length > 0)) break
    const record = all.slice(space + 1, pos + length - 1)
    const equals = record.indexOf('=')
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1))
    pos += length
  }
  return records
}

/**
 * Reads a tar archive, gzipped or not (as `tar -czf node_modules.tar.gz node_modules/` makes it,
 * GNU or POSIX): ustar headers with their prefix, GNU long names (`L`, `K`) and pax headers
 * (`x`; `g` ignored). Throws on a truncated or corrupt archive.
 */
export const readTarArchive = (archive: Uint8Array): TarEntry[] => {
  const bytes = archive[0] === 0x1f && archive[1] === 0x8b ? gunzipSync(archive) : archive
  const entries: TarEntry[] = []
  let pos = 0
  let longName: string | undefined
  let longLink: string | undefined
  let pax = new Map<string, string>()
  while (pos + BLOCK <= bytes.length) {
    const header = bytes.subarray(pos, pos + BLOCK)
    if (header.every((byte) => byte === 0)) break
    const sum = header.reduce((total, byte, i) => total + (i >= 148 && i < 156 ? 32 : byte), 0)
    if (sum !== numeric(header, 148, 8)) {
      throw new Error(`not a tar archive, or a corrupt one (bad header at byte ${pos})`)
    }
    const size = numeric(header, 124, 12)
    const flag = String.fromCharCode(header[156] ?? 0)
    const dataStart = pos + BLOCK
    if (dataStart + size > bytes.length) throw new Error('the tar archive is truncated')
    const data = bytes.subarray(dataStart, dataStart + size)
    pos = dataStart + Math.ceil(size / BLOCK) * BLOCK
    if (flag === 'L') {
      longName = text(data, 0, data.length)
      continue
    }
    if (flag === 'K') {
      longLink = text(data, 0, data.length)
      continue
    }
    if (flag === 'x') {
      pax = paxRecords(data)
      continue
    }
    if (flag === 'g') continue
    const magic = text(header, 257, 6)
    const prefix = magic.startsWith('ustar') ? text(header, 345, 155) : ''
    const name = text(header, 0, 100)
    const path = pax.get('path') ?? longName ?? (prefix ? `${prefix}/${name}` : name)
    const linkTarget = pax.get('linkpath') ?? longLink ?? text(header, 157, 100)
    const type =
      flag === '0' || flag === '\0' || flag === '7'
        ? 'file'
        : flag === '5'
          ? 'directory'
          : flag === '2'
            ? 'symlink'
            : 'other'
    entries.push({ path, type, data: type === 'file' ? data : new Uint8Array(0), linkTarget })
    longName = undefined
    longLink = undefined
    pax = new Map()
  }
  return entries
}
