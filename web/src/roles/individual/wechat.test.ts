import { describe, expect, it } from 'vitest'
import { inWechat, rememberLogin, takeLogin } from './wechat'

function memoryStorage(): Storage {
  const items = new Map<string, string>()
  return {
    get length() {
      return items.size
    },
    clear: () => items.clear(),
    getItem: (key) => items.get(key) ?? null,
    key: (index) => [...items.keys()][index] ?? null,
    removeItem: (key) => void items.delete(key),
    setItem: (key, value) => void items.set(key, value),
  }
}

describe('微信登录', () => {
  it('is offered inside WeChat only', () => {
    expect(inWechat('Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI')).toBe(true)
    expect(inWechat('Mozilla/5.0 (iPhone) AppleWebKit/605.1.15 Version/17.0 Mobile Safari/604.1')).toBe(false)
  })

  it('sends on only the callback of the login this browser started, once', () => {
    const storage = memoryStorage()
    rememberLogin(storage, 'abc123', '/me/signups')
    expect(takeLogin(storage, 'forged')).toBeNull()
    rememberLogin(storage, 'abc123', '/me/signups')
    expect(takeLogin(storage, 'abc123')).toBe('/me/signups')
    expect(takeLogin(storage, 'abc123')).toBeNull()
    expect(takeLogin(storage, undefined)).toBeNull()
  })
})
