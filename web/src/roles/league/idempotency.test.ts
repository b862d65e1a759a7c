import { describe, expect, it } from 'vitest'
import { actionKey } from './idempotency'

describe('actionKey', () => {
  let n = 0
  const keys = () => actionKey(() => `key-${++n}`)

  it('reuses the key on a retry of the same request', () => {
    const action = keys()
    const first = action.for({ a: 1 })
    expect(action.for({ a: 1 })).toBe(first)
  })

  it('makes a new key when the request changed or the action succeeded', () => {
    const action = keys()
    const first = action.for({ a: 1 })
    const changed = action.for({ a: 2 })
    expect(changed).not.toBe(first)
    action.done()
    expect(action.for({ a: 2 })).not.toBe(changed)
  })
})
