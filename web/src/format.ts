// en-CA formats a date as YYYY-MM-DD; the platform's days are China Standard Time days.
const DAY = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' })
const TIME = new Intl.DateTimeFormat('zh-CN', {
  timeZone: 'Asia/Shanghai',
  dateStyle: 'short',
  timeStyle: 'short',
  hour12: false,
})

/** 2020-06-05 for an ISO date-time ('' for none). */
export function day(iso: string | null | undefined): string {
  return iso ? DAY.format(new Date(iso)) : ''
}

/** 2020/6/5 08:29 for an ISO date-time. */
export function dateTime(iso: string): string {
  return TIME.format(new Date(iso))
}
