import { describe, expect, it } from 'vitest'
import { ApiError } from '../api'
import { OTHER_NEEDS_TEXT, endsAction, localTextError, needsSignIn, reasonOptions, reportBody } from './report'

describe('举报', () => {
  it('offers every reason of the contract with its Chinese label, in order', () => {
    const options = reasonOptions([
      { value: 'other', label: '其他' },
      { value: 'false_information', label: '虚假信息' },
    ])
    expect(options.map((o) => o.value)).toEqual(['false_information', 'illegal', 'advertising', 'privacy_leak', 'other'])
    expect(options[0]!.label).toBe('虚假信息')
    expect(options[1]!.label).toBe('illegal') // no label known: the value, never an empty row
  })

  it('trims the text and sends none when blank', () => {
    expect(reportBody('illegal', '  联系电话无法接通 ')).toEqual({ reason: 'illegal', text: '联系电话无法接通' })
    expect(reportBody('illegal', '   ')).toEqual({ reason: 'illegal', text: null })
  })

  it('asks for a text with 其他 only', () => {
    expect(localTextError(reportBody('other', ' '))).toBe(OTHER_NEEDS_TEXT)
    expect(localTextError(reportBody('other', '内容重复发布'))).toBeUndefined()
    expect(localTextError(reportBody('advertising', ''))).toBeUndefined()
  })

  it('keeps the key for a retry only when the server did not refuse', () => {
    expect(endsAction(new ApiError(409, 'ALREADY_REPORTED', '您已举报过该内容'))).toBe(true)
    expect(endsAction(new ApiError(403, 'FORBIDDEN', '无权操作'))).toBe(true)
    expect(endsAction(new ApiError(0, 'NETWORK', '网络连接失败'))).toBe(false)
    expect(endsAction(new ApiError(503, 'SERVICE_MISCONFIGURED', '服务暂时不可用'))).toBe(false)
    expect(endsAction(new ApiError(409, 'IDEMPOTENCY_KEY_IN_PROGRESS', '请稍后重试'))).toBe(false)
  })

  it('sends a signed-out reporter to 登录', () => {
    expect(needsSignIn(new ApiError(401, 'UNAUTHENTICATED', '请先登录'))).toBe(true)
    expect(needsSignIn(new ApiError(409, 'ALREADY_REPORTED', '已举报'))).toBe(false)
  })
})
