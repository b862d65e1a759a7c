import { describe, expect, it } from 'vitest'
import { ApiError } from './api/errors'
import { phoneProblem, sendRefusal } from './smsCode'

describe('phone + code field', () => {
  it('refuses a number that cannot be a mobile before asking for a code', () => {
    expect(phoneProblem('13900000001')).toBeNull()
    expect(phoneProblem('1390000000')).toBe('请输入11位手机号')
    expect(phoneProblem('23900000001')).toBe('请输入11位手机号')
  })

  it('shows a refusal about the number under it and anything else as a toast', () => {
    const aboutPhone = new ApiError(400, 'VALIDATION_FAILED', '请求参数有误', [
      { path: 'phone', message: '手机号格式不正确', code: 'invalid' },
    ])
    expect(sendRefusal(aboutPhone)).toEqual({ phone: '手机号格式不正确', toast: null })
    const tooMany = new ApiError(429, 'SMS_SEND_TOO_FREQUENT', '发送过于频繁，请稍后再试', [])
    expect(sendRefusal(tooMany)).toEqual({ phone: null, toast: '发送过于频繁，请稍后再试' })
    expect(sendRefusal(new Error('offline')).toast).toBeTruthy()
  })
})
