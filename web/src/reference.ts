import { api, unwrap, type components } from './api'

export type Reference = components['schemas']['ReferenceOut']

let cached: Promise<Reference> | null = null

/** GET /reference once per page load, and only when a screen needs it (首页 opens without it). */
export function loadReference(): Promise<Reference> {
  cached ??= unwrap(api.GET('/reference')).catch((error: unknown) => {
    cached = null
    throw error
  })
  return cached
}
