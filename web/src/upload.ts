import { api, unwrap, type components } from './api'

type Schemas = components['schemas']
export type UploadPurpose = Schemas['UploadPurpose']
export type ImageType = Schemas['UploadIn']['content_type']
export type UploadForm = Schemas['UploadFormOut']

/** The types POST /uploads accepts (UploadIn.content_type), in the contract's order. */
export const IMAGE_TYPES: readonly ImageType[] = ['image/jpeg', 'image/png', 'image/webp'] satisfies ImageType[]
/** docs/api.md "Image uploads": the bucket refuses a larger file (UploadFormOut.max_bytes says so again). */
export const MAX_IMAGE_BYTES = 2 * 1024 * 1024
/** At most 9 photos on a profile or an activity (docs/api.md). */
export const MAX_IMAGES = 9
/** The paths a save's refusal of an image names (`photo_keys[i]`): a form lists them with its fields. */
export const PHOTO_FIELDS = [
  'photo_keys', 'photo_keys[0]', 'photo_keys[1]', 'photo_keys[2]', 'photo_keys[3]', 'photo_keys[4]',
  'photo_keys[5]', 'photo_keys[6]', 'photo_keys[7]', 'photo_keys[8]',
] as const
export type PhotoField = (typeof PHOTO_FIELDS)[number]

/** The first message a save left under one of the photos. */
export function photoError(messages: Partial<Record<PhotoField, string | undefined>>): string | undefined {
  return PHOTO_FIELDS.map((field) => messages[field]).find(Boolean)
}

/** What the client refuses before any request: another type than the bucket takes, or too large a file. */
export function imageProblem(file: { type: string; size: number }, maxBytes = MAX_IMAGE_BYTES): string | null {
  if (!(IMAGE_TYPES as readonly string[]).includes(file.type)) return '请上传 JPG、PNG 或 WebP 格式的图片'
  if (file.size > maxBytes) return `图片不能超过 ${Math.round(maxBytes / 1024 / 1024)}MB`
  if (file.size === 0) return '图片是空的，请重新选择'
  return null
}

/** The multipart body S3 wants: every field of the form in order, then the image last, named `file`. */
export function formBody(form: Pick<UploadForm, 'fields'>, file: Blob): FormData {
  const body = new FormData()
  for (const field of form.fields) body.append(field.name, field.value)
  body.append('file', file)
  return body
}

/** POSTs `body` to the bucket, reporting the sent share (0–100); rejects (in Chinese) on any answer but 2xx. */
export function postToBucket(url: string, body: FormData, onProgress: (percent: number) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest()
    request.open('POST', url)
    request.upload.onprogress = (event) => {
      if (event.lengthComputable) onProgress(Math.floor((event.loaded / event.total) * 100))
    }
    const refused = () => reject(new Error('图片上传失败，请重试'))
    request.onload = () => (request.status >= 200 && request.status < 300 ? resolve() : refused())
    request.onerror = refused
    request.send(body)
  })
}

/** One image up: a form from POST /uploads, then the file straight to the bucket; the key to save. A refusal
 * of POST /uploads throws its ApiError; the bucket's refusal an Error; both say why in Chinese. */
export async function uploadImage(purpose: UploadPurpose, file: File, onProgress: (percent: number) => void): Promise<string> {
  const form = await unwrap(api.POST('/uploads', { body: { purpose, content_type: file.type as ImageType } }))
  const problem = imageProblem(file, form.max_bytes)
  if (problem) throw new Error(problem)
  await postToBucket(form.url, formBody(form, file), onProgress)
  return form.key
}
