import type { components } from '../../api'

type FieldError = components['schemas']['ErrorResponse']['error']['fields'][number]
type DayTotals = components['schemas']['DayTotalsOut']

/** One data row of an import file as the result table shows it: its line in the file, account, name. */
export interface ImportRow {
  line: number
  orgName: string
  accountName: string
  errors: string[]
}

/** Splits one CSV line (quotes with "" escapes, as the server's csv reader reads them). */
export function csvCells(line: string): string[] {
  const cells: string[] = []
  let cell = ''
  let quoted = false
  for (let i = 0; i < line.length; i += 1) {
    const char = line[i]
    if (quoted) {
      if (char === '"' && line[i + 1] === '"') {
        cell += '"'
        i += 1
      } else if (char === '"') quoted = false
      else cell += char
    } else if (char === '"') quoted = true
    else if (char === ',') {
      cells.push(cell)
      cell = ''
    } else cell += char
  }
  cells.push(cell)
  return cells
}

const LINE_PATH = /^line (\d+)(?:\.|$)/

/**
 * The per-row result of an import: every data row of the file (line 2 on), each with the messages
 * the server's CSV_INVALID named for its line (`line N` or `line N.field`). Errors about line 1 (the
 * header) come back as a row of line 1.
 */
export function importRows(text: string, fields: readonly FieldError[]): ImportRow[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/)
  const header = csvCells(lines[0] ?? '').map((name) => name.trim())
  const orgAt = header.indexOf('组织名称')
  const accountAt = header.indexOf('账号')
  const byLine = new Map<number, string[]>()
  for (const field of fields) {
    const match = LINE_PATH.exec(field.path)
    const line = match ? Number(match[1]) : 1
    byLine.set(line, [...(byLine.get(line) ?? []), field.message])
  }
  const rows: ImportRow[] = []
  if (byLine.has(1)) rows.push({ line: 1, orgName: '（表头）', accountName: '', errors: byLine.get(1) ?? [] })
  lines.forEach((raw, index) => {
    const line = index + 1
    if (line === 1 || raw.trim() === '') return
    const cells = csvCells(raw)
    rows.push({
      line,
      orgName: orgAt >= 0 ? (cells[orgAt] ?? '').trim() : '',
      accountName: accountAt >= 0 ? (cells[accountAt] ?? '').trim() : '',
      errors: byLine.get(line) ?? [],
    })
  })
  return rows
}

/** YYYY-MM-DD of a date in China Standard Time (the platform's days). */
export function cstDay(date: Date): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(date)
}

/** The default range of 数据统计: the 30 days up to today (CST), as first_day/last_day. */
export function lastDays(count: number, now: Date = new Date()): { first_day: string; last_day: string } {
  const first = new Date(now.getTime() - (count - 1) * 86_400_000)
  return { first_day: cstDay(first), last_day: cstDay(now) }
}

/** Days between two YYYY-MM-DD days, inclusive of both (1 for the same day). */
export function daysInclusive(first: string, last: string): number {
  return Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${first}T00:00:00Z`)) / 86_400_000) + 1
}

export interface Series {
  days: string[]
  demands: number[]
  claims: number[]
}

/** demands_total and claims_total per stored day, for 全省 (city null) or one city (0 on a day it has none). */
export function seriesOf(items: readonly DayTotals[], city: string | null): Series {
  const series: Series = { days: [], demands: [], claims: [] }
  for (const item of items) {
    const counts = city === null ? item.total : item.cities.find((entry) => entry.city === city)
    series.days.push(item.day)
    series.demands.push(counts?.demands_total ?? 0)
    series.claims.push(counts?.claims_total ?? 0)
  }
  return series
}
