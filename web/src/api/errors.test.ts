import { describe, expect, it } from 'vitest'
import { ApiError, splitForForm, toApiError, unwrap } from './errors'

const envelope = {
  error: {
    code: 'VALIDATION_FAILED',
    message: '请求参数有误',
    fields: [
      { path: 'login', code: 'string_too_short', message: '请填写手机号' },
      { path: 'password', code: 'missing', message: '请填写密码' },
    ],
  },
}

describe('error mapping', () => {
  it('reads the error envelope into a typed error with the server’s Chinese messages', () => {
    const error = toApiError(400, envelope)
    expect(error).toBeInstanceOf(ApiError)
    expect(error).toMatchObject({ status: 400, code: 'VALIDATION_FAILED', message: '请求参数有误' })
    expect(error.fields.map((f) => f.path)).toEqual(['login', 'password'])
  })

  it('turns an answer that is not the envelope into a generic Chinese error', () => {
    expect(toApiError(502, '<html>Bad Gateway</html>')).toMatchObject({ code: 'UNEXPECTED', message: '服务暂时不可用，请稍后重试' })
    expect(toApiError(500, { error: 'boom' })).toMatchObject({ code: 'UNEXPECTED' })
  })

  it('puts the messages of the fields a form shows next to them, with no toast', () => {
    expect(splitForForm(toApiError(400, envelope), ['login', 'password'])).toEqual({
      fields: { login: '请填写手机号', password: '请填写密码' },
      toast: null,
    })
  })

  it('toasts a field message the form does not show', () => {
    expect(splitForForm(toApiError(400, envelope), ['login'])).toEqual({
      fields: { login: '请填写手机号' },
      toast: '请填写密码',
    })
  })

  it('toasts the message of an error without fields', () => {
    const error = toApiError(409, { error: { code: 'CLAIM_ALREADY_APPLIED', message: '已申请认领该需求', fields: [] } })
    expect(splitForForm(error, ['login'])).toEqual({ fields: {}, toast: '已申请认领该需求' })
  })

  it('unwraps data, throws the typed error for a refusal and a network error for no answer', async () => {
    const ok = { data: { unread: 1 }, response: new Response(null, { status: 200 }) }
    await expect(unwrap(Promise.resolve(ok))).resolves.toEqual({ unread: 1 })
    const refusal = { error: envelope, response: new Response(null, { status: 400 }) }
    await expect(unwrap(Promise.resolve(refusal))).rejects.toMatchObject({ code: 'VALIDATION_FAILED' })
    await expect(unwrap(Promise.reject(new TypeError('Failed to fetch')))).rejects.toMatchObject({
      code: 'NETWORK',
      message: '网络连接失败，请检查网络后重试',
    })
  })
})
