import type { components } from '../../api'

type SubjectScore = components['schemas']['SubjectScoreIn']

/** A last-term score as the contract takes it: 0–150, at most one decimal. */
export function validScore(value: string): boolean {
  return /^\d{1,3}(\.\d)?$/.test(value.trim()) && Number(value) <= 150
}

/**
 * 所需辅导课程 in the order they were ticked, each with its typed score: the server names a refused score
 * `subjects[i].score` by this order, so the form finds the input from the same index.
 */
export function subjectScores(ticked: readonly SubjectScore['subject'][], scores: Record<string, string>): SubjectScore[] {
  return ticked.map((subject) => ({ subject, score: Number(scores[subject]) }))
}
