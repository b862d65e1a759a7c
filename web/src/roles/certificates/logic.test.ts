import { describe, expect, it } from 'vitest'
import type { components } from '../../api'
import { defaultPeriod, deletable, normaliseNumber, orgChoices, withStatus } from './logic'

type Signup = components['schemas']['SignupOut']
type Request = components['schemas']['CertificateRequestOut']

function signup(orgId: string, orgName: string, consent: boolean): Signup {
  return {
    activity: { org_id: orgId, org_name: orgName, certificate_consent: consent } as Signup['activity'],
    activity_id: `a-${orgId}`,
    cancelled_at: null,
    checked_in: true,
    service_hours: 1,
    signed_up_at: '2099-06-01T00:00:00Z',
    status: 'signed_up',
    status_label: '已报名',
  }
}

describe('orgChoices', () => {
  it('lists each organization once, the certificate-consenting ones first', () => {
    const signups = [signup('o1', '甲', false), signup('o2', '乙', true), signup('o1', '甲', true), signup('o3', '丙', true)]
    expect(orgChoices(signups)).toEqual([
      { id: 'o2', name: '乙' },
      { id: 'o3', name: '丙' },
      { id: 'o1', name: '甲' },
    ])
  })
  it('skips a sign-up whose activity is gone', () => {
    expect(orgChoices([{ ...signup('o1', '甲', true), activity: null }])).toEqual([])
  })
})

describe('withStatus', () => {
  const items = [{ status: 'requested' }, { status: 'issued' }, { status: 'revoked' }] as Request[]
  it('keeps every item for 全部状态 and only the chosen status otherwise', () => {
    expect(withStatus(items, '')).toHaveLength(3)
    expect(withStatus(items, 'issued').map((i) => i.status)).toEqual(['issued'])
    expect(withStatus(items, 'refused')).toEqual([])
  })
})

describe('the small rules', () => {
  it('starts the period on 1 January of the China-time year', () => {
    // 2099-12-31T17:00Z is already 1 January 2100 in China.
    expect(defaultPeriod(new Date('2099-12-31T17:00:00Z'))).toEqual({ first: '2100-01-01', last: '2100-01-01' })
    expect(defaultPeriod(new Date('2099-06-05T04:00:00Z'))).toEqual({ first: '2099-01-01', last: '2099-06-05' })
  })
  it('normalises a typed number', () => {
    expect(normaliseNumber(' zs2099-7k3m9 qx2hd ')).toBe('ZS2099-7K3M9QX2HD')
  })
  it('lets only a pending or refused request be deleted', () => {
    expect(['requested', 'issued', 'refused', 'revoked'].map((s) => deletable(s as Request['status']))).toEqual([
      true, false, true, false,
    ])
  })
})
