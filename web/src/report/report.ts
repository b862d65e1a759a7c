import { ApiError, type components } from '../api'

type Schemas = components['schemas']
export type ReportReason = Schemas['ReportReason']
export type ReportIn = Schemas['ReportIn']
type Label = Schemas['LabelOut']

/** Every 举报 reason of the contract, in its order; a reason added there fails the type check here. */
export const REPORT_REASONS = ['false_information', 'illegal', 'advertising', 'privacy_leak', 'other'] as const
type Listed = (typeof REPORT_REASONS)[number]
const everyReasonListed: [Exclude<ReportReason, Listed>] extends [never] ? true : false = true
void everyReasonListed

export const OTHER_NEEDS_TEXT = '选择“其他”时请填写举报说明'

/** The reasons as the popup offers them: the contract's values with GET /reference's Chinese labels. */
export function reasonOptions(labels: readonly Label[]): { value: ReportReason; label: string }[] {
  const byValue = new Map(labels.map((l) => [l.value, l.label]))
  return REPORT_REASONS.map((value) => ({ value, label: byValue.get(value) ?? value }))
}

/** The body sent: the text trimmed, none when blank. */
export function reportBody(reason: ReportReason, text: string): ReportIn {
  const trimmed = text.trim()
  return { reason, text: trimmed ? trimmed : null }
}

/** What the form says before sending (the server says the same): `other` needs a text. */
export function localTextError(body: ReportIn): string | undefined {
  return body.reason === 'other' && !body.text ? OTHER_NEEDS_TEXT : undefined
}

/**
 * Whether a failed send ends the action (its Idempotency-Key is not reused): the server answered with a
 * refusal. No answer, or a 5xx / 409 "in progress", may be retried with the same key.
 */
export function endsAction(error: unknown): boolean {
  if (!(error instanceof ApiError)) return false
  if (error.code === 'IDEMPOTENCY_KEY_IN_PROGRESS') return false
  return error.status >= 400 && error.status < 500
}

/** A refusal that means "sign in first": the popup sends the user to 登录 and back. */
export function needsSignIn(error: unknown): boolean {
  return error instanceof ApiError && (error.code === 'UNAUTHENTICATED' || error.code === 'REFRESH_TOKEN_INVALID')
}
