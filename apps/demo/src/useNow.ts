import { useEffect, useState } from 'react'

/** The current time in ms, updated every `intervalMs`: for countdowns. */
export const useNow = (intervalMs = 1000): number => {
  const [now, setNow] = useState(Date.now)
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), intervalMs)
    return () => clearInterval(timer)
  }, [intervalMs])
  return now
}
