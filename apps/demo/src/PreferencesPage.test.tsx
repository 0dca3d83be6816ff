import { App, createMemoryStorage } from '@react-custom-data/client'
import { demoAppDir, startTestServer, type TestServer } from '@react-custom-data/server/testing'
import { cleanup, fireEvent, render, screen } from '@testing-library/react'
import { StrictMode } from 'react'
import { AppProvider } from 'react-custom-data'
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { APP_ID } from './config'
import { PreferencesPage } from './PreferencesPage'

/**
 * Renders the page on its own `App`. Function calls can be held back (`holdWrites`), as a slow
 * network would, to watch the optimistic state before the server answers.
 */
const renderPage = (baseUrl: string) => {
  let held: Promise<void> | null = null
  let release = () => {}
  const app = new App({
    id: APP_ID,
    baseUrl,
    storage: createMemoryStorage(),
    crossTab: false,
    fetch: async (url, init) => {
      if (held && url.endsWith('/functions/call')) await held
      return fetch(url, init)
    },
  })
  render(
    <StrictMode>
      <AppProvider app={app}>
        <PreferencesPage />
      </AppProvider>
    </StrictMode>,
  )
  return {
    app,
    holdWrites: () => {
      held = new Promise((resolve) => (release = resolve))
      return () => {
        held = null
        release()
      }
    },
  }
}

const type = (label: string, value: string) =>
  fireEvent.change(screen.getByLabelText(label), { target: { value } })
const click = (name: string) => fireEvent.click(screen.getByRole('button', { name }))
const field = (testId: string) => screen.getByTestId(testId)

let emails = 0
const signUp = async (password = 'correct horse') => {
  const email = `page-${++emails}@example.com`
  type('Email', email)
  type('Password', password)
  click('Sign up')
  expect(await screen.findByText(`Signed in as ${email}`)).toBeTruthy()
  return email
}

describe('the Preferences page against its real backend', () => {
  let server: TestServer
  beforeAll(async () => {
    server = await startTestServer({ appDir: demoAppDir })
  })
  afterAll(() => server.close())
  afterEach(() => {
    cleanup()
    delete document.documentElement.dataset.theme
  })

  it('signs up, saves a favourite food optimistically, and logs out', async () => {
    const page = renderPage(server.url)
    await signUp()
    expect(field('favorite-food').textContent).toBe('not set yet')

    click('Edit preferences')
    type('Favourite food', '  pizza ')
    const release = page.holdWrites()
    click('Save')
    // Optimistic: shown while the server has not answered yet, and the form says Saving…
    await screen.findByRole('button', { name: 'Saving…' })
    await vi.waitFor(() => expect(field('favorite-food').textContent).toBe('pizza'))
    expect(page.app.currentUser?.customData.favoriteFood).toBeUndefined()
    release()
    expect(await screen.findByRole('button', { name: 'Edit preferences' })).toBeTruthy()
    expect(page.app.currentUser?.customData.favoriteFood).toBe('pizza')
    expect(field('favorite-food').textContent).toBe('pizza')
    expect(field('updated-at').textContent).not.toBe('never')

    click('Log out')
    expect(await screen.findByRole('button', { name: 'Continue anonymously' })).toBeTruthy()
  })

  it('logs back in with the same email and finds the data there', async () => {
    const { app } = renderPage(server.url)
    const email = await signUp()
    click('Edit preferences')
    type('Favourite food', 'ramen')
    type('Language', 'fr')
    type('Time zone', 'Asia/Tokyo')
    click('Save')
    await screen.findByRole('button', { name: 'Edit preferences' })
    click('Log out')
    await screen.findByRole('button', { name: 'Continue anonymously' })

    click('Log in')
    type('Email', email)
    type('Password', 'correct horse')
    click('Log in')
    await screen.findByText(`Signed in as ${email}`)
    expect(field('favorite-food').textContent).toBe('ramen')
    expect(field('language').textContent).toBe('Français')
    expect(field('time-zone').textContent).toBe('Asia/Tokyo')
    expect(app.currentUser?.customData).toMatchObject({ favoriteFood: 'ramen', language: 'fr' })
  })

  it('shows a wrong password in the page', async () => {
    renderPage(server.url)
    const email = await signUp()
    click('Log out')
    await screen.findByRole('button', { name: 'Continue anonymously' })
    click('Log in')
    type('Email', email)
    type('Password', 'not my password')
    click('Log in')
    // The wire text is App Services' "unauthorized"; the page says it for people.
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not log in: the email or the password is wrong.',
    )
  })

  it('says that an account with the email already exists when signing up twice', async () => {
    renderPage(server.url)
    const email = await signUp()
    click('Log out')
    await screen.findByRole('button', { name: 'Continue anonymously' })
    type('Email', email)
    type('Password', 'correct horse')
    click('Sign up')
    // The server answers AccountNameInUse, "name already in use" on the wire.
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not sign up: an account with this email already exists. Log in instead.',
    )
  })

  it('shows a password the server refuses at sign-up', async () => {
    renderPage(server.url)
    type('Email', 'short@example.com')
    type('Password', 'short')
    click('Sign up')
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /^Could not sign up: password must be between 8 and 256 characters/,
    )
  })

  it("shows the server's validation message and takes the optimistic value back", async () => {
    const page = renderPage(server.url)
    await signUp()
    click('Edit preferences')
    type('Favourite food', 'x'.repeat(61))
    const release = page.holdWrites()
    click('Save')
    await vi.waitFor(() => expect(field('favorite-food').textContent).toBe('x'.repeat(61)))
    release()
    expect((await screen.findByRole('alert')).textContent).toBe(
      'Could not save: favourite food must be 1 to 60 characters long',
    )
    expect(field('favorite-food').textContent).toBe('not set yet')
    // The form stays open with what the user typed, to fix it.
    expect(screen.getByLabelText<HTMLInputElement>('Favourite food').value).toHaveLength(61)
  })

  it('applies the theme to the page at once, and keeps it after the server confirms', async () => {
    const { app, holdWrites } = renderPage(server.url)
    click('Continue anonymously')
    await screen.findByText('Signed in anonymously')
    expect(document.documentElement.dataset.theme).toBeUndefined()
    const release = holdWrites()
    fireEvent.click(screen.getByLabelText('Dark'))
    await vi.waitFor(() => expect(document.documentElement.dataset.theme).toBe('dark'))
    expect(app.currentUser?.customData.theme).toBeUndefined()
    release()
    await vi.waitFor(() => expect(app.currentUser?.customData.theme).toBe('dark'))
    expect(field('theme').textContent).toBe('Dark')
    expect(document.documentElement.dataset.theme).toBe('dark')
    fireEvent.click(screen.getByLabelText('System'))
    await vi.waitFor(() => expect(app.currentUser?.customData.theme).toBe('system'))
    expect(document.documentElement.dataset.theme).toBeUndefined()
  })

  it('shows where the data came from: the token times and a Refresh that takes a new token', async () => {
    const { app } = renderPage(server.url)
    click('Continue anonymously')
    await screen.findByText('Signed in anonymously')
    expect(field('expires-in').textContent).toMatch(/^(30:00|29:5\d) /)
    const token = app.currentUser?.accessToken
    await new Promise((resolve) => setTimeout(resolve, 1100)) // a new token has a later iat
    click('Refresh')
    await vi.waitFor(() => expect(app.currentUser?.accessToken).not.toBe(token))
    await screen.findByRole('button', { name: 'Refresh' })
    expect(server.requests.at(-1)).toBe('POST /api/client/v2.0/auth/session')
  })

  it('says so in the page when the server is down', async () => {
    const own = await startTestServer({ appDir: demoAppDir })
    renderPage(own.url)
    click('Continue anonymously')
    await screen.findByText('Signed in anonymously')
    await own.close()
    click('Edit preferences')
    type('Favourite food', 'soup')
    click('Save')
    expect((await screen.findByRole('alert')).textContent).toMatch(
      /^Could not save: the server cannot be reached/,
    )
    expect(field('favorite-food').textContent).toBe('not set yet')
  })
})
