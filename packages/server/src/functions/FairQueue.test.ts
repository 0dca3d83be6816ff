import { describe, expect, it } from 'vitest'
import { FairQueue } from './FairQueue'

/** Takes every call that may start now. */
const takeAll = (queue: FairQueue<string>): string[] => {
  const taken: string[] = []
  for (let next = queue.take(); next; next = queue.take()) taken.push(next.item)
  return taken
}

describe('FairQueue (docs/reliability.md G8)', () => {
  it('a user alone may run on all workers but one', () => {
    const queue = new FairQueue<string>(4)
    for (let i = 0; i < 10; i += 1) queue.push('a', `a${i}`)
    expect(takeAll(queue)).toEqual(['a0', 'a1', 'a2'])
    expect(queue.size).toBe(7)
  })

  it('the free worker goes to the next user at once, whatever the first has waiting', () => {
    const queue = new FairQueue<string>(4)
    for (let i = 0; i < 10; i += 1) queue.push('a', `a${i}`)
    takeAll(queue)
    queue.push('b', 'b0')
    expect(queue.take()).toEqual({ owner: 'b', item: 'b0' })
  })

  it('as a worker frees, it goes to the user running fewest, then to the one served least recently', () => {
    const queue = new FairQueue<string>(4)
    for (let i = 0; i < 10; i += 1) queue.push('a', `a${i}`)
    takeAll(queue)
    queue.push('b', 'b0')
    queue.push('b', 'b1')
    queue.push('c', 'c0')
    expect(takeAll(queue)).toEqual(['b0'])
    // a runs 3, b 1, c 0: each of three owners may run one (4 / 3); the next free worker is c's.
    queue.done('a')
    expect(takeAll(queue)).toEqual(['c0'])
    // Two more of a's end: a runs none, and gets one back (one each).
    queue.done('a')
    queue.done('a')
    expect(takeAll(queue)).toEqual(['a3'])
    // c is done and gone: a and b may run two each; b was served longer ago, so b goes first.
    queue.done('c')
    expect(takeAll(queue)).toEqual(['b1', 'a4'])
  })

  it('one worker: owners take turns, however many calls one of them queued first', () => {
    const queue = new FairQueue<string>(1)
    for (let i = 0; i < 3; i += 1) queue.push('a', `a${i}`)
    queue.push('b', 'b0')
    queue.push('b', 'b1')
    const order: string[] = []
    for (let next = queue.take(); next; next = queue.take()) {
      order.push(next.item)
      queue.done(next.owner)
    }
    expect(order).toEqual(['a0', 'b0', 'a1', 'b1', 'a2'])
  })

  it('drain hands back every waiting call', () => {
    const queue = new FairQueue<string>(2)
    queue.push('a', 'a0')
    queue.push('a', 'a1')
    queue.push('b', 'b0')
    takeAll(queue)
    expect(queue.drain().sort()).toEqual(['a1'])
    expect(queue.size).toBe(0)
  })
})
