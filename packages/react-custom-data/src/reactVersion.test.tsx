import { QueryClient, QueryClientProvider, useQueryClient } from '@tanstack/react-query'
import { renderHook } from '@testing-library/react'
import { version, type ReactNode } from 'react'
import { version as domVersion } from 'react-dom'
import { describe, expect, it } from 'vitest'

describe('the React this project runs on', () => {
  it('is the React major the project was configured for (19, and 18 in the React 18 run)', () => {
    expect(process.env.EXPECTED_REACT_MAJOR).toMatch(/^1[89]$/)
    expect(version.split('.')[0]).toBe(process.env.EXPECTED_REACT_MAJOR)
    expect(domVersion).toBe(version)
  })

  it('is the one react-query and Testing Library render with (one copy of React)', () => {
    const client = new QueryClient()
    const wrapper = ({ children }: { children?: ReactNode }) => (
      <QueryClientProvider client={client}>{children}</QueryClientProvider>
    )
    const { result } = renderHook(() => useQueryClient(), { wrapper })
    expect(result.current).toBe(client)
  })
})
