import { describe, expect, it } from 'vitest'
import { isoToLocal, localToIso } from './moments'

describe('moments', () => {
  it('round-trips a local time through the ISO moment', () => {
    const local = isoToLocal(new Date(2026, 11, 4, 9, 5))
    expect(local).toBe('2026-12-04T09:05')
    expect(new Date(localToIso(local)).getTime()).toBe(new Date(2026, 11, 4, 9, 5).getTime())
    expect(localToIso(local)).toMatch(/Z$/)
  })

  it('leaves an unreadable value for the server to refuse', () => {
    expect(localToIso('')).toBe('')
  })
})
