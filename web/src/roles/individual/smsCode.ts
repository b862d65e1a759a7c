import { ref } from 'vue'
import { useCountdown } from '../../countdown'
import { api, ApiError, unwrap, type components } from '../../api'

type Purpose = components['schemas']['SmsPurpose']

/**
 * A refusal of POST /sms/codes as the form shows it: the code request names the number `phone`, the
 * form's field may have another name (联系人手机号码 is `contact_phone`).
 */
export function renamePhoneField(error: unknown, field: string): unknown {
  if (!(error instanceof ApiError) || field === 'phone') return error
  const fields = error.fields.map((f) => (f.path === 'phone' ? { ...f, path: field } : f))
  return new ApiError(error.status, error.code, error.message, fields)
}

/** 发送验证码 with its countdown (the server's resend_after_seconds). */
export function useSmsCode(purpose: Purpose) {
  const { countdown, start } = useCountdown()
  const sending = ref(false)

  /** Sends the code; a refusal is thrown for the form to show. */
  async function send(phone: string): Promise<void> {
    sending.value = true
    try {
      const sent = await unwrap(api.POST('/sms/codes', { body: { phone, purpose } }))
      start(sent.resend_after_seconds)
    } finally {
      sending.value = false
    }
  }

  const label = () => (countdown.value > 0 ? `${countdown.value}秒` : '发送验证码')
  return { countdown, sending, send, label }
}
