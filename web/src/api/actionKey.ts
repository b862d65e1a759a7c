/** An Idempotency-Key (docs/api.md "Retries"): 8–64 letters, digits or `-`. */
export function newKey(): string {
  if (typeof crypto.randomUUID === 'function') return crypto.randomUUID()
  const bytes = crypto.getRandomValues(new Uint8Array(16))
  return Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')
}

/**
 * One key per user action: a retry of the same request (same body) reuses the key, so a lost answer is
 * not acted on twice; an edited body or the next action after a success gets a new one (the server
 * refuses one key with two bodies).
 */
export function actionKey(make: () => string = newKey) {
  let key: string | null = null
  let sent: string | null = null
  return {
    for(body: unknown): string {
      const text = JSON.stringify(body ?? null)
      if (key === null || text !== sent) {
        key = make()
        sent = text
      }
      return key
    },
    /** The action succeeded: the next one is a new action. */
    done(): void {
      key = null
      sent = null
    },
  }
}
