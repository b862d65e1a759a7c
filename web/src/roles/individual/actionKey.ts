/**
 * The Idempotency-Key of one user action (docs/api.md "Retries"): the same request sent again (a retry
 * after a lost answer) reuses its key; a changed request is a new action with a new key; a success ends
 * the action.
 */
export class ActionKey {
  private key: string | null = null
  private body: string | null = null

  constructor(private readonly newKey: () => string = () => crypto.randomUUID()) {}

  /** The key to send with `body`. */
  for(body: unknown): string {
    const serialized = JSON.stringify(body)
    if (this.key === null || serialized !== this.body) {
      this.key = this.newKey()
      this.body = serialized
    }
    return this.key
  }

  /** The action succeeded: the next submit is a new action. */
  done(): void {
    this.key = null
    this.body = null
  }
}
