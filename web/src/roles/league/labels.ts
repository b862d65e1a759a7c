import { loadReference, type Reference } from '../../reference'

type LabelKind = keyof Reference['labels']

/** A status filter's options: 全部状态 (value '') first, then every status with its Chinese label. */
export async function statusOptions(kind: LabelKind): Promise<{ text: string; value: string }[]> {
  const reference = await loadReference()
  return [{ text: '全部状态', value: '' }, ...reference.labels[kind].map((l) => ({ text: l.label, value: l.value }))]
}
