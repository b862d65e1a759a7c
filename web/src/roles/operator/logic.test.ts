import { describe, expect, it } from 'vitest'
import { csvCells, daysInclusive, importRows, lastDays, seriesOf } from './logic'

const CSV = [
  '组织名称,账号,所在省,所在市,所在区县,上级组织,负责人手机号',
  '共青团深圳市罗湖区委员会,gd_sz_lh,广东省,深圳市,罗湖区,共青团深圳市委员会,13912345678',
  '"共青团某区委员会,二",bad one,广东省,火星市,,,123',
  '',
].join('\n')

describe('import result rows', () => {
  it('splits quoted cells', () => {
    expect(csvCells('"a,b",c,"d""e"')).toEqual(['a,b', 'c', 'd"e'])
  })

  it('gives each data row its line and the messages the server named for it', () => {
    const rows = importRows(CSV, [
      { path: 'line 3.account_name', code: 'invalid', message: '账号格式不正确' },
      { path: 'line 3.region.city', code: 'invalid', message: '城市不在列表中' },
    ])
    expect(rows).toEqual([
      { line: 2, orgName: '共青团深圳市罗湖区委员会', accountName: 'gd_sz_lh', errors: [] },
      { line: 3, orgName: '共青团某区委员会,二', accountName: 'bad one', errors: ['账号格式不正确', '城市不在列表中'] },
    ])
  })

  it('shows a header error as line 1', () => {
    const rows = importRows('a,b\n', [{ path: 'line 1', code: 'missing_columns', message: '缺少列: 账号' }])
    expect(rows[0]).toMatchObject({ line: 1, errors: ['缺少列: 账号'] })
  })
})

describe('stats', () => {
  it('defaults to the 30 CST days up to today', () => {
    expect(lastDays(30, new Date('2026-12-04T17:00:00Z'))).toEqual({ first_day: '2026-11-06', last_day: '2026-12-05' })
    expect(daysInclusive('2026-11-06', '2026-12-05')).toBe(30)
  })

  it('takes the province totals or one city, 0 where the city has none', () => {
    const counts = { demands_new: 0, claims_new: 0, claims_ended: 0 }
    const items = [
      { day: '2026-12-01', total: { ...counts, demands_total: 5, claims_total: 2 },
        cities: [{ ...counts, city: '深圳市', demands_total: 3, claims_total: 1 }] },
      { day: '2026-12-02', total: { ...counts, demands_total: 6, claims_total: 2 }, cities: [] },
    ]
    expect(seriesOf(items, null)).toEqual({ days: ['2026-12-01', '2026-12-02'], demands: [5, 6], claims: [2, 2] })
    expect(seriesOf(items, '深圳市')).toEqual({ days: ['2026-12-01', '2026-12-02'], demands: [3, 0], claims: [1, 0] })
  })
})
