import { scrypt as scryptCallback, timingSafeEqual } from 'node:crypto'
import { availableParallelism } from 'node:os'
import { hash as argon2Hash, verify as argon2Verify, type Algorithm } from '@node-rs/argon2'
import { ErrorCode, ServiceError } from '../errors/ServiceError'

/** argon2id cost parameters. */
export interface Argon2Params {
  /** Memory in KiB. OWASP: 19456 (19 MiB). */
  readonly memoryCost: number
  /** Iterations. OWASP: 2. */
  readonly timeCost: number
  /** Lanes. OWASP: 1. */
  readonly parallelism: number
}

/** The OWASP Password Storage Cheat Sheet's first argon2id configuration. */
export const OWASP_ARGON2ID: Argon2Params = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

export interface PasswordHasherOptions {
  /** Default: OWASP's argon2id (m=19456, t=2, p=1). Tests pass cheaper ones. */
  readonly params?: Argon2Params
  /** Hashes running at once (each holds `memoryCost` KiB). Default: twice the cores. */
  readonly maxConcurrent?: number
  /** Hashes allowed to wait for a slot; past this, 503 with Retry-After. Default 200. */
  readonly maxQueued?: number
}

export interface PasswordCheck {
  readonly valid: boolean
  /** The stored hash uses other parameters (or scrypt): rehash it with the password just checked. */
  readonly needsRehash: boolean
}

/** Hashes and checks passwords as PHC strings, with a bound on concurrent hashing. */
export interface PasswordHasher {
  readonly params: Argon2Params
  hash(password: string): Promise<string>
  verify(stored: string, password: string): Promise<PasswordCheck>
  /**
   * Spends what a real verification costs, for an unknown user, so that the answer's timing does
   * not tell an unknown email from a wrong password (docs/reliability.md A3).
   */
  verifyDummy(password: string): Promise<void>
}

const scryptAsync = (
  password: string,
  salt: Buffer,
  options: { keylen: number; N: number; r: number; p: number; maxmem: number },
) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCallback(password, salt, options.keylen, options, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  )

const SCRYPT_PHC =
  /^\$scrypt\$ln=(\d+),r=(\d+),p=(\d+)\$([A-Za-z0-9+/]+={0,2})\$([A-Za-z0-9+/]+={0,2})$/
const ARGON2ID_PHC = /^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$/

/**
 * Verifies an imported scrypt PHC string (`$scrypt$ln=17,r=8,p=1$salt$hash`, the format of
 * earlier versions and of other systems) within bounds, so that an absurd imported cost can never
 * stall the server.
 */
const verifyScrypt = async (stored: string, password: string): Promise<boolean> => {
  const match = SCRYPT_PHC.exec(stored)
  if (!match) return false
  const [ln, r, p] = [Number(match[1]), Number(match[2]), Number(match[3])]
  if (ln > 20 || r > 16 || p > 4) return false
  const salt = Buffer.from(match[4] ?? '', 'base64')
  const expected = Buffer.from(match[5] ?? '', 'base64')
  const key = await scryptAsync(password, salt, {
    keylen: expected.length,
    N: 2 ** ln,
    r,
    p,
    maxmem: 2 ** ln * r * 128 * 2,
  })
  return key.length === expected.length && timingSafeEqual(key, expected)
}

/** A counting semaphore with a bounded queue. */
const createGate = (maxConcurrent: number, maxQueued: number) => {
  let running = 0
  const waiting: (() => void)[] = []
  return async <T>(work: () => Promise<T>): Promise<T> => {
    if (running >= maxConcurrent) {
      if (waiting.length >= maxQueued) {
        throw new ServiceError(
          ErrorCode.ServiceUnavailable,
          'too many password checks in progress; try again shortly',
        ).withRetryAfter(1)
      }
      await new Promise<void>((resolve) => waiting.push(resolve))
    } else {
      running++
    }
    try {
      return await work()
    } finally {
      const next = waiting.shift()
      if (next) next()
      else running--
    }
  }
}

/**
 * Password hashing with argon2id (OWASP parameters by default), run on libuv's threads through
 * `@node-rs/argon2`. At most `maxConcurrent` hashes run at once so that a login storm cannot take
 * every thread and all the memory; the rest wait in a bounded queue.
 */
export const createPasswordHasher = (options: PasswordHasherOptions = {}): PasswordHasher => {
  const params = options.params ?? OWASP_ARGON2ID
  const gate = createGate(
    options.maxConcurrent ?? Math.max(2, availableParallelism() * 2),
    options.maxQueued ?? 200,
  )
  // Algorithm is an ambient const enum (not importable as a value here); 2 is its Argon2id.
  const argon2Options = { ...params, algorithm: 2 as Algorithm }
  let dummy: Promise<string> | undefined

  const hash = (password: string) => gate(() => argon2Hash(password, argon2Options))

  return {
    params,
    hash,
    async verify(stored, password) {
      const argon = ARGON2ID_PHC.exec(stored)
      if (argon) {
        const [m, t, p] = [Number(argon[1]), Number(argon[2]), Number(argon[3])]
        // Bounds against imported hashes whose cost would stall the server (Kratos does the same).
        if (m > 1_048_576 || t > 20 || p > 16) return { valid: false, needsRehash: false }
        const valid = await gate(() => argon2Verify(stored, password))
        const current = m === params.memoryCost && t === params.timeCost && p === params.parallelism
        return { valid, needsRehash: valid && !current }
      }
      if (stored.startsWith('$scrypt$')) {
        const valid = await gate(() => verifyScrypt(stored, password))
        return { valid, needsRehash: valid }
      }
      return { valid: false, needsRehash: false }
    },
    async verifyDummy(password) {
      dummy ??= hash('not a password anyone has')
      const stored = await dummy
      await gate(() => argon2Verify(stored, password))
    },
  }
}
