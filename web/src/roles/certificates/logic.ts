import type { components } from '../../api'
import { day } from '../../format'

type Schemas = components['schemas']
type Signup = Schemas['SignupOut']
type Request = Schemas['CertificateRequestOut']
export type CertificateStatus = Schemas['CertificateStatus']

export interface OrgChoice {
  id: string
  name: string
}

/**
 * The organizations a volunteer may ask (申请证明): those whose activities they signed up for, each once, the
 * ones whose activities count hours for a certificate (certificate_consent) first, in the order met.
 */
export function orgChoices(signups: readonly Signup[]): OrgChoice[] {
  const consented: OrgChoice[] = []
  const others: OrgChoice[] = []
  const seen = new Set<string>()
  for (const { activity } of signups) {
    if (!activity || seen.has(activity.org_id)) continue
    seen.add(activity.org_id)
    ;(activity.certificate_consent ? consented : others).push({ id: activity.org_id, name: activity.org_name })
  }
  return [...consented, ...others]
}

/** 我的证明's filter: GET /me/certificate-requests has no `status` query, so the page filters its items. */
export function withStatus(items: readonly Request[], status: CertificateStatus | ''): Request[] {
  return status === '' ? [...items] : items.filter((item) => item.status === status)
}

/** The period the form starts with: 1 January of this year to today (China days). */
export function defaultPeriod(now: Date = new Date()): { first: string; last: string } {
  const today = day(now.toISOString())
  return { first: `${today.slice(0, 4)}-01-01`, last: today }
}

/** A typed certificate number as the verification route takes it: no spaces, upper case (ZS2099-7K3M9QX2HD). */
export function normaliseNumber(typed: string): string {
  return typed.replace(/\s+/g, '').toUpperCase()
}

/** Only a request still 待出具, or 不予出具, may be deleted (its identity number with it). */
export function deletable(status: CertificateStatus): boolean {
  return status === 'requested' || status === 'refused'
}

/** The status tag's colour: 待出具 primary, 已出具 green, 已撤销 red, 不予出具 grey. */
export const TAG_TYPES: Record<CertificateStatus, 'primary' | 'success' | 'danger' | 'default'> = {
  requested: 'primary',
  issued: 'success',
  revoked: 'danger',
  refused: 'default',
}
