/**
 * One Idempotency-Key per user action (docs/api.md "Retries"): the same key while the same request is
 * retried, a new key once it succeeded (`done`) or when the user changed what is sent.
 */
export function actionKey(newKey: () => string = () => crypto.randomUUID()) {
  let key: string | null = null
  let sent: string | null = null
  return {
    for(request: unknown): string {
      const text = JSON.stringify(request)
      if (key === null || text !== sent) {
        key = newKey()
        sent = text
      }
      return key
    },
    done(): void {
      key = null
      sent = null
    },
  }
}
