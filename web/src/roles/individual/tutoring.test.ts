import { describe, expect, it } from 'vitest'
import { subjectScores, validScore } from './tutoring'

describe('validScore', () => {
  it('takes 0 to 150 with at most one decimal', () => {
    for (const ok of ['0', '44', '76.5', '150', '150.0']) expect(validScore(ok), ok).toBe(true)
  })

  it('refuses what the server would', () => {
    for (const bad of ['', '160', '150.5', '76.55', '-1', 'abc', '1e2']) expect(validScore(bad), bad).toBe(false)
  })
})

describe('subjectScores', () => {
  it('keeps the ticking order and turns scores into numbers', () => {
    expect(subjectScores(['英语', '数学'], { 数学: '76.5', 英语: '44', 语文: '90' })).toEqual([
      { subject: '英语', score: 44 },
      { subject: '数学', score: 76.5 },
    ])
  })
})
