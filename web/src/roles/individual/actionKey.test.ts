import { describe, expect, it } from 'vitest'
import { ApiError } from '../../api'
import { ActionKey } from './actionKey'
import { renamePhoneField } from './smsCode'

function counter(): () => string {
  let n = 0
  return () => `key-${++n}`
}

describe('ActionKey', () => {
  it('sends the same key again for a retry of the same request', () => {
    const key = new ActionKey(counter())
    expect(key.for({ title: 'a' })).toBe('key-1')
    expect(key.for({ title: 'a' })).toBe('key-1')
  })

  it('makes a new key when the request changed or the action succeeded', () => {
    const key = new ActionKey(counter())
    expect(key.for({ title: 'a' })).toBe('key-1')
    expect(key.for({ title: 'b' })).toBe('key-2')
    key.done()
    expect(key.for({ title: 'b' })).toBe('key-3')
  })

  it('makes UUIDs by default, which the server accepts', () => {
    expect(new ActionKey().for({})).toMatch(/^[A-Za-z0-9_-]{8,64}$/)
  })
})

describe('renamePhoneField', () => {
  const refused = new ApiError(400, 'VALIDATION_FAILED', '请求参数有误', [
    { path: 'phone', code: 'value_error', message: '请输入有效的中国大陆手机号码' },
  ])

  it('puts the code request’s phone message under the form’s own field', () => {
    const renamed = renamePhoneField(refused, 'contact_phone') as ApiError
    expect(renamed.fields).toEqual([{ path: 'contact_phone', code: 'value_error', message: '请输入有效的中国大陆手机号码' }])
    expect(renamed.code).toBe('VALIDATION_FAILED')
  })

  it('leaves other errors as they are', () => {
    expect(renamePhoneField(refused, 'phone')).toBe(refused)
    const network = new Error('offline')
    expect(renamePhoneField(network, 'contact_phone')).toBe(network)
  })
})
