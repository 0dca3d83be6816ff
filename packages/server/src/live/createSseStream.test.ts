import { describe, expect, it } from 'vitest'
import { createSseStream, type StreamEndReason } from './createSseStream'

describe('createSseStream: a bounded event stream', () => {
  it('cuts off a reader that does not read once the queue passes its bound', async () => {
    const reasons: StreamEndReason[] = []
    const stream = createSseStream({ maxBufferedBytes: 1000, onClose: (r) => reasons.push(r) })
    let sent = 0
    while (stream.send(`data: ${'x'.repeat(100)}\n\n`)) sent += 1
    // About 1000 bytes were held, not more.
    expect(sent).toBeGreaterThanOrEqual(8)
    expect(sent).toBeLessThanOrEqual(10)
    expect(reasons).toEqual(['slow'])
    expect(stream.closed).toBe(true)
    expect(stream.send('data: more\n\n')).toBe(false)
    // The queue is dropped: the body errors, so the HTTP adapter drops the connection.
    await expect(stream.body.getReader().read()).rejects.toThrow(/fell too far behind/)
  })

  it('keeps a reader that reads, however much passes through', async () => {
    const reasons: StreamEndReason[] = []
    const stream = createSseStream({ maxBufferedBytes: 1000, onClose: (r) => reasons.push(r) })
    const reader = stream.body.getReader()
    let received = 0
    for (let i = 0; i < 100; i++) {
      expect(stream.send(`data: ${'x'.repeat(100)}\n\n`)).toBe(true)
      received += (await reader.read()).value?.byteLength ?? 0
    }
    expect(received).toBe(100 * 108)
    stream.close('event: end\ndata: {}\n\n')
    expect(new TextDecoder().decode((await reader.read()).value)).toBe('event: end\ndata: {}\n\n')
    expect((await reader.read()).done).toBe(true)
    expect(reasons).toEqual(['closed'])
  })

  it('calls the given destroy instead of erroring the body', () => {
    let destroyed = 0
    const stream = createSseStream({
      maxBufferedBytes: 10,
      onClose: () => {},
      destroy: () => (destroyed += 1),
    })
    expect(stream.send('data: 0123456789\n\n')).toBe(false)
    expect(destroyed).toBe(1)
  })
})
