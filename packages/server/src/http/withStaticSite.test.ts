import { mkdir, mkdtemp, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { pgliteTestStore } from '../testing/testStores'
import { createInProcessServer, type InProcessServer } from '../testUtils'
import { staticSiteProblem, withStaticSite } from './withStaticSite'

const INDEX = '<!doctype html><title>site</title><div id="root"></div>'

describe('a built single-page app served next to the API', () => {
  let api: InProcessServer
  let dir: string
  let site: ReturnType<typeof withStaticSite>
  beforeAll(async () => {
    const base = await mkdtemp(join(tmpdir(), 'static-site-'))
    dir = join(base, 'site')
    await mkdir(join(dir, 'assets'), { recursive: true })
    await writeFile(join(base, 'secret.txt'), 'top secret')
    await writeFile(join(dir, 'index.html'), INDEX)
    await writeFile(join(dir, 'assets', 'index-abc123.js'), 'console.log(1)')
    await writeFile(join(dir, 'robots.txt'), 'User-agent: *')
    // A file that would shadow an API route if files came first.
    await mkdir(join(dir, 'health'))
    await writeFile(join(dir, 'health', 'alive'), 'not the API')
    api = await createInProcessServer(pgliteTestStore)
    site = withStaticSite(dir, api.server.fetch)
  })
  afterAll(() => api.close())

  const get = (path: string, init?: RequestInit) =>
    site(new Request(`http://localhost${path}`, init))

  it('serves index.html at / and the files of the folder with their types', async () => {
    const index = await get('/')
    expect(index.status).toBe(200)
    expect(index.headers.get('content-type')).toMatch(/^text\/html/)
    expect(index.headers.get('cache-control')).toBe('no-cache')
    expect(await index.text()).toBe(INDEX)
    const script = await get('/assets/index-abc123.js')
    expect(script.headers.get('content-type')).toMatch(/^text\/javascript/)
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable')
    expect(script.headers.get('x-content-type-options')).toBe('nosniff')
    expect(await (await get('/robots.txt')).text()).toBe('User-agent: *')
  })

  it('answers API paths from the server, before any file', async () => {
    const alive = await get('/health/alive')
    expect(await alive.json()).toEqual({ status: 'ok' })
    const login = await api.logInAnonymously()
    expect(login.user_id).toEqual(expect.any(String))
    const unknownApi = await get('/api/client/v2.0/app/nope/location')
    expect(unknownApi.status).toBe(404)
    expect(await unknownApi.json()).toMatchObject({ error_code: expect.any(String) })
    const jwks = await get('/.well-known/jwks.json')
    expect(await jwks.json()).toMatchObject({ keys: expect.any(Array) })
  })

  it("falls back to index.html for the app's own routes, so a reload of /settings works", async () => {
    const page = await get('/settings/profile')
    expect(page.status).toBe(200)
    expect(await page.text()).toBe(INDEX)
  })

  it('answers 404, never HTML, for a missing file or a non-GET request', async () => {
    const gone = await get('/assets/index-old.js')
    expect(gone.status).toBe(404)
    expect(gone.headers.get('content-type')).not.toMatch(/html/)
    expect((await get('/form', { method: 'POST' })).status).toBe(404)
  })

  it('never serves a file outside the folder', async () => {
    const tries = [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/..%5csecret.txt',
    ]
    for (const path of tries) {
      const answer = await get(path)
      expect(await answer.text()).not.toContain('top secret')
    }
    // The file is there: only the folder boundary keeps it out.
    expect(staticSiteProblem(join(dir, '..'))).toContain('has no index.html')
  })

  it('says why a folder cannot be served', () => {
    expect(staticSiteProblem(dir)).toBeNull()
    expect(staticSiteProblem(join(dir, 'missing'))).toBe(`${join(dir, 'missing')} is not a folder`)
    expect(staticSiteProblem(join(dir, 'assets'))).toBe(
      `${join(dir, 'assets')} has no index.html (build the app first)`,
    )
  })
})
