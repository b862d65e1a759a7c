import { showToast } from 'vant'
import 'vant/es/toast/style'
import { reactive, ref } from 'vue'
import { ApiError, networkError, splitForForm } from './api/errors'

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : networkError()
}

/** A failed call outside a form: the server's Chinese message as a toast. */
export function toastError(error: unknown): void {
  showToast(asApiError(error).message)
}

/**
 * A form's server errors: `messages[path]` holds the message shown under that field, the rest is a
 * toast. `report` replaces the previous errors.
 */
export function useFormErrors<F extends string>(fields: readonly F[]) {
  const messages = reactive({}) as Record<F, string | undefined>
  function clear(): void {
    for (const field of fields) messages[field] = undefined
  }
  function report(error: unknown): void {
    clear()
    const { fields: near, toast } = splitForForm(asApiError(error), fields)
    Object.assign(messages, near)
    if (toast) showToast(toast)
  }
  return { messages, report, clear }
}

/**
 * A form's submit: `submitting` drives the button's spinner; a refusal goes to the fields or a toast,
 * a success clears the previous errors.
 */
export function useFormSubmit<F extends string>(fields: readonly F[], action: () => Promise<void>) {
  const errors = useFormErrors(fields)
  const submitting = ref(false)
  async function submit(): Promise<void> {
    submitting.value = true
    try {
      await action()
      errors.clear()
    } catch (error) {
      errors.report(error)
    } finally {
      submitting.value = false
    }
  }
  return { errors, submitting, submit }
}
