import { describe, expect, it } from 'vitest'
import type { StoredSession } from './api/session'
import { gate, redirectTarget } from './gate'

const signedIn = (mustChangePassword: boolean): StoredSession => ({
  accessToken: 'a',
  refreshToken: 'r',
  accountId: 'acc-1',
  role: 'league_org',
  mustChangePassword,
})
const to = (name: string, fullPath: string, signedInOnly = false) => ({ name, fullPath, meta: { signedIn: signedInOnly } })

describe('the router gate', () => {
  it('sends an account still on 000000 to the forced change from every screen', () => {
    expect(gate(to('home', '/'), signedIn(true))).toEqual({ name: 'password' })
    expect(gate(to('me', '/me', true), signedIn(true))).toEqual({ name: 'password' })
    expect(gate(to('password', '/password'), signedIn(true))).toBe(true)
  })

  it('sends anonymous visitors of signed-in screens to 登录 and back afterwards', () => {
    expect(gate(to('messages', '/messages', true), null)).toEqual({ name: 'login', query: { redirect: '/messages' } })
    expect(gate(to('password', '/password'), null)).toEqual({ name: 'login', query: { redirect: '/password' } })
  })

  it('lets everyone see public screens and a changed account go anywhere', () => {
    expect(gate(to('home', '/'), null)).toBe(true)
    expect(gate(to('demand', '/demands/d1'), null)).toBe(true)
    expect(gate(to('me', '/me', true), signedIn(false))).toBe(true)
  })
})

describe('the redirect after signing in', () => {
  it('returns to the screen that asked, only within the client', () => {
    expect(redirectTarget({ redirect: '/demands/d1' })).toBe('/demands/d1')
    expect(redirectTarget({})).toBe('/me')
    expect(redirectTarget({ redirect: 'https://evil.example/' })).toBe('/me')
    expect(redirectTarget({ redirect: '//evil.example/' })).toBe('/me')
  })
})
