import type { components } from './schema'

type Envelope = components['schemas']['ErrorResponse']
export type ServerErrorCode = Envelope['error']['code']
export type FieldError = Envelope['error']['fields'][number]
/** NETWORK: no answer at all; UNEXPECTED: an answer that is not the API's error envelope. */
export type ErrorCode = ServerErrorCode | 'NETWORK' | 'UNEXPECTED'

const NETWORK_MESSAGE = '网络连接失败，请检查网络后重试'
const UNEXPECTED_MESSAGE = '服务暂时不可用，请稍后重试'

/** A refused or failed call, carrying the server's Chinese message and its per-field messages. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: ErrorCode,
    message: string,
    readonly fields: FieldError[] = [],
  ) {
    super(message)
    this.name = 'ApiError'
  }
}

function isEnvelope(body: unknown): body is Envelope {
  const error = (body as Envelope | null)?.error
  return typeof error?.code === 'string' && typeof error.message === 'string' && Array.isArray(error.fields)
}

export function toApiError(status: number, body: unknown): ApiError {
  if (!isEnvelope(body)) return new ApiError(status, 'UNEXPECTED', UNEXPECTED_MESSAGE)
  const { code, message, fields } = body.error
  return new ApiError(status, code, message, fields)
}

export function networkError(): ApiError {
  return new ApiError(0, 'NETWORK', NETWORK_MESSAGE)
}

/** openapi-fetch's answer: data on success, the parsed body as error otherwise. */
interface FetchResult<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The data of a successful call; an ApiError for a refused one or for no answer at all. */
export async function unwrap<T>(call: Promise<FetchResult<T>>): Promise<T> {
  let result: FetchResult<T>
  try {
    result = await call
  } catch (error) {
    throw error instanceof ApiError ? error : networkError()
  }
  if (result.error !== undefined || !result.response.ok) throw toApiError(result.response.status, result.error)
  return result.data as T
}

/**
 * How a form shows an error: the messages of the fields it displays go next to them (keyed by the
 * server's dotted path), anything else becomes one toast.
 */
export function splitForForm(error: ApiError, shownFields: readonly string[]): {
  fields: Record<string, string>
  toast: string | null
} {
  const fields: Record<string, string> = {}
  const elsewhere: string[] = []
  for (const field of error.fields) {
    if (shownFields.includes(field.path) && !(field.path in fields)) fields[field.path] = field.message
    else elsewhere.push(field.message)
  }
  if (Object.keys(fields).length > 0 && elsewhere.length === 0) return { fields, toast: null }
  return { fields, toast: elsewhere[0] ?? error.message }
}
