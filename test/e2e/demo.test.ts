import { mkdir, rm } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/launchChromium'
import { buildDemo } from './buildDemo'
import { startDemoServer, type DemoServer } from './startDemoServer'

declare global {
  interface Window {
    /** When (Date.now()) the page was last clicked. */
    clickedAt?: number
    /** When (Date.now()) what the test watches for showed in the page. */
    seen?: Promise<number>
  }
}

const artifacts = fileURLToPath(new URL('./artifacts/', import.meta.url))
const PASSWORD = 'correct horse battery'

/**
 * The demo as a user gets it: built by Vite, served with its backend by the server's CLI
 * (`--static`), driven in Debian's Chromium. Tabs are pages of one browser context, sharing
 * localStorage, BroadcastChannel and Web Locks as the tabs of one profile do. Every step leaves
 * a screenshot in test/e2e/artifacts/.
 */
describe('the Preferences demo in Chromium', () => {
  let browser: Browser
  let server: DemoServer
  // A second server, started with the first, for the test that stops it.
  let doomed: DemoServer
  let distDir: string
  let context: BrowserContext
  const pageErrors: string[] = []
  let emails = 0

  beforeAll(async () => {
    await rm(artifacts, { recursive: true, force: true })
    await mkdir(artifacts, { recursive: true })
    ;[browser, distDir] = await Promise.all([launchChromium(), buildDemo()])
    ;[server, doomed] = await Promise.all([startDemoServer(distDir), startDemoServer(distDir)])
  })
  afterAll(async () => {
    await Promise.all([browser?.close(), server?.stop(), doomed?.stop()])
    if (distDir) await rm(distDir, { recursive: true, force: true })
  })
  afterEach(async () => {
    await context?.close()
    const errors = pageErrors.splice(0)
    if (errors.length) throw new Error(`uncaught errors in the page:\n${errors.join('\n')}`)
  })

  const openTab = async (url = server.url): Promise<Page> => {
    const page = await context.newPage()
    page.on('pageerror', (error) => pageErrors.push(error.message))
    await page.goto(url)
    return page
  }
  const shot = (page: Page, name: string) =>
    page.screenshot({ path: `${artifacts}${name}.png`, fullPage: true })
  const newContext = async () =>
    (context = await browser.newContext({ viewport: { width: 900, height: 1000 } }))

  const signUp = async (page: Page): Promise<string> => {
    const email = `e2e-${Date.now()}-${++emails}@example.com`
    await page.getByLabel('Email').fill(email)
    await page.getByLabel('Password').fill(PASSWORD)
    await page.getByRole('button', { name: 'Sign up' }).click()
    await page.getByText(`Signed in as ${email}`).waitFor()
    return email
  }
  const saveFood = async (page: Page, food: string) => {
    await page.getByRole('button', { name: 'Edit preferences' }).click()
    await page.getByLabel('Favourite food').fill(food)
    await page.getByRole('button', { name: 'Save' }).click()
  }
  const themeOf = (page: Page) => page.evaluate(() => document.documentElement.dataset.theme)

  // The moment of the page's last click, by its own clock.
  const recordClicks = (page: Page) =>
    page.evaluate(() =>
      document.addEventListener('click', () => (window.clickedAt = Date.now()), true),
    )
  const clickedAt = (page: Page) => page.evaluate(() => window.clickedAt ?? NaN)
  // Starts watching the page for what a user would see; `seenAt` answers when it showed, by the
  // page's clock (or NaN after 10 s without it).
  const watchFor = (page: Page, what: 'dark theme' | 'signed out') =>
    page.evaluate((sign) => {
      const shows = () =>
        sign === 'dark theme'
          ? document.documentElement.dataset.theme === 'dark'
          : [...document.querySelectorAll('button')].some(
              (button) => button.textContent === 'Continue anonymously',
            )
      window.seen = new Promise((resolve) => {
        const observer = new MutationObserver(() => {
          if (!shows()) return
          observer.disconnect()
          resolve(Date.now())
        })
        observer.observe(document, { attributes: true, childList: true, subtree: true })
        setTimeout(() => resolve(NaN), 10_000)
      })
    }, what)
  const seenAt = (page: Page) => page.evaluate(() => window.seen!)

  it('sign up, write, reload, a second tab that follows the theme and the logout', async () => {
    await newContext()
    const tabOne = await openTab()
    await tabOne.getByRole('button', { name: 'Continue anonymously' }).waitFor()
    await shot(tabOne, '01-signed-out')

    const email = await signUp(tabOne)
    await expect.poll(() => tabOne.getByTestId('favorite-food').textContent()).toBe('not set yet')
    await shot(tabOne, '02-signed-up')

    await saveFood(tabOne, 'pizza')
    await tabOne.getByRole('button', { name: 'Edit preferences' }).waitFor()
    expect(await tabOne.getByTestId('favorite-food').textContent()).toBe('pizza')
    await shot(tabOne, '03-favourite-food-saved')

    await tabOne.reload()
    await tabOne.getByText(`Signed in as ${email}`).waitFor()
    expect(await tabOne.getByTestId('favorite-food').textContent()).toBe('pizza')
    await shot(tabOne, '04-after-reload')

    const tabTwo = await openTab()
    await tabTwo.getByText(`Signed in as ${email}`).waitFor()
    expect(await tabTwo.getByTestId('favorite-food').textContent()).toBe('pizza')
    expect(await themeOf(tabTwo)).toBeUndefined()
    await shot(tabTwo, '05-second-tab')

    // The theme changes in tab one; tab two follows within a second. Both moments are taken in
    // the pages (one machine, one clock): a busy test process cannot make the tabs look slow.
    await recordClicks(tabOne)
    await watchFor(tabTwo, 'dark theme')
    await tabOne.getByText('Dark', { exact: true }).click()
    expect((await seenAt(tabTwo)) - (await clickedAt(tabOne))).toBeLessThan(1000)
    expect(await themeOf(tabOne)).toBe('dark')
    await expect.poll(() => tabTwo.getByTestId('theme').textContent()).toBe('Dark')
    await shot(tabOne, '06-tab-one-dark')
    await shot(tabTwo, '07-tab-two-follows')

    // A logout in tab one signs tab two out too, within a second.
    await watchFor(tabTwo, 'signed out')
    await tabOne.getByRole('button', { name: 'Log out' }).click()
    expect((await seenAt(tabTwo)) - (await clickedAt(tabOne))).toBeLessThan(1000)
    await tabTwo.getByRole('button', { name: 'Continue anonymously' }).waitFor()
    await tabOne.getByRole('button', { name: 'Continue anonymously' }).waitFor()
    expect(await themeOf(tabTwo)).toBeUndefined()
    await shot(tabOne, '08-tab-one-logged-out')
    await shot(tabTwo, '09-tab-two-signed-out')

    // The data was the user's, not the tab's: logging back in finds it.
    await tabTwo.getByRole('button', { name: 'Log in' }).click()
    await tabTwo.getByLabel('Email').fill(email)
    await tabTwo.getByLabel('Password').fill(PASSWORD)
    await tabTwo.getByRole('button', { name: 'Log in' }).click()
    await tabTwo.getByText(`Signed in as ${email}`).waitFor()
    expect(await tabTwo.getByTestId('favorite-food').textContent()).toBe('pizza')
    expect(await themeOf(tabTwo)).toBe('dark')
    await shot(tabTwo, '10-logged-back-in')
  })

  it('shows a wrong password in the page', async () => {
    await newContext()
    const tab = await openTab()
    const email = await signUp(tab)
    await tab.getByRole('button', { name: 'Log out' }).click()
    await tab.getByRole('button', { name: 'Log in' }).click()
    await tab.getByLabel('Email').fill(email)
    await tab.getByLabel('Password').fill('not the password')
    await tab.getByRole('button', { name: 'Log in' }).click()
    await expect
      .poll(() => tab.getByRole('alert').textContent())
      .toBe('Could not log in: the email or the password is wrong.')
    await shot(tab, '11-wrong-password')
  })

  it("shows the server's validation error in the page and keeps the saved value", async () => {
    await newContext()
    const tab = await openTab()
    await signUp(tab)
    await saveFood(tab, 'sushi')
    await tab.getByRole('button', { name: 'Edit preferences' }).waitFor()
    await saveFood(tab, 'a very long favourite food name that no menu would ever print out')
    await expect
      .poll(() => tab.getByRole('alert').textContent())
      .toBe('Could not save: favourite food must be 1 to 60 characters long')
    expect(await tab.getByTestId('favorite-food').textContent()).toBe('sushi')
    await shot(tab, '12-validation-error')
  })

  it('shows that the server is down, and takes the unsaved value back', async () => {
    await newContext()
    const tab = await openTab(doomed.url)
    await tab.getByRole('button', { name: 'Continue anonymously' }).click()
    await tab.getByText('Signed in anonymously').waitFor()
    await doomed.stop()
    await saveFood(tab, 'soup')
    await expect
      .poll(() => tab.getByRole('alert').textContent())
      .toMatch(/^Could not save: the server cannot be reached/)
    expect(await tab.getByTestId('favorite-food').textContent()).toBe('not set yet')
    await shot(tab, '13-server-down')
  })
})
