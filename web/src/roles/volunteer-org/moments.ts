/** A `<input type="datetime-local">` value (the phone's local time) as the ISO moment the API takes. */
export function localToIso(value: string): string {
  const moment = new Date(value)
  return Number.isNaN(moment.getTime()) ? value : moment.toISOString()
}

/** A moment as a `<input type="datetime-local">` value in the phone's local time: 2026-12-04T09:30. */
export function isoToLocal(moment: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0')
  return (
    `${moment.getFullYear()}-${pad(moment.getMonth() + 1)}-${pad(moment.getDate())}` +
    `T${pad(moment.getHours())}:${pad(moment.getMinutes())}`
  )
}

/** The browser's position, or a Chinese reason why there is none. */
export function currentPosition(): Promise<{ latitude: number; longitude: number }> {
  return new Promise((resolve, reject) => {
    if (!('geolocation' in navigator)) {
      reject(new Error('当前浏览器不支持定位'))
      return
    }
    navigator.geolocation.getCurrentPosition(
      ({ coords }) => resolve({ latitude: coords.latitude, longitude: coords.longitude }),
      (error) => reject(new Error(error.code === error.PERMISSION_DENIED ? '请允许获取位置信息' : '获取位置失败，请重试')),
      { enableHighAccuracy: true, timeout: 15000 },
    )
  })
}
