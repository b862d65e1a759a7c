import { showToast } from 'vant'
import 'vant/es/toast/style'
import { ref } from 'vue'
import { useCountdown } from '../../countdown'
import { api, ApiError, unwrap, type components } from '../../api'

type Purpose = components['schemas']['SmsPurpose']

/** What a form's errors offer (feedback.ts useFormErrors). */
interface FormErrors<F extends string> {
  messages: Record<F, string | undefined>
  clear(): void
  report(error: unknown): void
}

/**
 * A refusal of POST /sms/codes as the form shows it: the code request names the number `phone`, the
 * form's field may have another name (联系人手机号码 is `contact_phone`).
 */
function renamePhoneField(error: unknown, field: string): unknown {
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

  /** 发送验证码 from a form: a number that cannot be a mobile is refused under `field` before any request, and
   * the server's refusal shows there too. */
  async function sendFor<F extends string>(phone: string, errors: FormErrors<F>, field: F): Promise<void> {
    errors.clear()
    if (!/^1\d{10}$/.test(phone)) {
      errors.messages[field] = '请输入11位手机号'
      return
    }
    try {
      await send(phone)
      showToast('验证码已发送')
    } catch (error) {
      errors.report(renamePhoneField(error, field))
    }
  }

  const label = () => (countdown.value > 0 ? `${countdown.value}秒` : '发送验证码')
  return { countdown, sending, send, sendFor, label }
}
