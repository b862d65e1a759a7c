import { ref } from 'vue'
import { useCountdown } from './countdown'
import { api, unwrap, type components } from './api'
import { ApiError, networkError, splitForForm } from './api/errors'

export type SmsPurpose = components['schemas']['SmsPurpose']

/** What the client refuses before asking for a code: a number that cannot be a mainland mobile. */
export function phoneProblem(phone: string): string | null {
  return /^1\d{10}$/.test(phone) ? null : '请输入11位手机号'
}

/**
 * A refusal of POST /sms/codes as a phone + code field shows it: a message about the number (`phone`) under
 * the phone field, anything else as a toast.
 */
export function sendRefusal(error: unknown): { phone: string | null; toast: string | null } {
  const refused = error instanceof ApiError ? error : networkError()
  const { fields, toast } = splitForForm(refused, ['phone'])
  return { phone: fields.phone ?? null, toast }
}

/** 发送验证码 with its countdown (the server's resend_after_seconds). PhoneCodeField.vue shows it. */
export function useSmsCode(purpose: SmsPurpose) {
  const { countdown, start } = useCountdown()
  const sending = ref(false)

  /** Sends the code; a refusal is thrown for the field to show. */
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
