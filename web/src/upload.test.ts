import { describe, expect, it } from 'vitest'
import { formBody, imageProblem, MAX_IMAGE_BYTES, photoError } from './upload'

describe('image uploads', () => {
  it('refuses another type, an empty or too large file before any request, in Chinese', () => {
    expect(imageProblem({ type: 'image/png', size: 1000 })).toBeNull()
    expect(imageProblem({ type: 'image/webp', size: MAX_IMAGE_BYTES })).toBeNull()
    expect(imageProblem({ type: 'image/gif', size: 1000 })).toBe('请上传 JPG、PNG 或 WebP 格式的图片')
    expect(imageProblem({ type: 'image/jpeg', size: MAX_IMAGE_BYTES + 1 })).toBe('图片不能超过 2MB')
    expect(imageProblem({ type: 'image/jpeg', size: 0 })).toBe('图片是空的，请重新选择')
  })

  it('sends the form fields in order, then the image last as `file`', async () => {
    const image = new File([new Uint8Array([137, 80, 78, 71])], 'a.png', { type: 'image/png' })
    const body = formBody({ fields: [{ name: 'key', value: 'uploads/a' }, { name: 'Content-Type', value: 'image/png' }] }, image)
    expect([...body.keys()]).toEqual(['key', 'Content-Type', 'file'])
    expect(body.get('key')).toBe('uploads/a')
    expect((body.get('file') as File).type).toBe('image/png')
  })

  it('shows the first refusal a save left under a photo', () => {
    expect(photoError({})).toBeUndefined()
    expect(photoError({ 'photo_keys[2]': '图片已过期，请重新上传' })).toBe('图片已过期，请重新上传')
  })
})
