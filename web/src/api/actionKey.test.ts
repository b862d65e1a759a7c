import { describe, expect, it } from 'vitest'
import { actionKey, newKey } from './actionKey'

describe('actionKey', () => {
  let n = 0
  const make = () => `key-${++n}`

  it('reuses the key on a retry of the same body', () => {
    const key = actionKey(make)
    const first = key.for({ message: 'a' })
    expect(key.for({ message: 'a' })).toBe(first)
  })

  it('makes a new key for another body and after a success', () => {
    const key = actionKey(make)
    const first = key.for({ message: 'a' })
    const edited = key.for({ message: 'b' })
    expect(edited).not.toBe(first)
    key.done()
    expect(key.for({ message: 'b' })).not.toBe(edited)
  })

  it('makes keys the server accepts', () => {
    expect(newKey()).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
  })
})
