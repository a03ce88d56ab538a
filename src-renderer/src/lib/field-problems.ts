import { ApiError } from '../../../src-main/engine/api-types';

/**
 * A refused request's problems per field (ApiErrorBody.fields), where a form shows each beside its field. Other
 * errors have none: the form's summary shows them.
 */
export type FieldProblems = Record<string, string[]>;

export const problemsOf = (err: unknown): FieldProblems =>
  err instanceof ApiError && err.fields ? err.fields : {};

/** The id of the element that says what is wrong with a field (its input's aria-describedby). */
export const fieldProblemId = (field: string): string => `problem-${field.replace(/[^A-Za-z0-9_-]/g, '-')}`;

/** The attributes an input takes for its field: marked invalid and described by its problem while it has one. */
export function fieldAttrs(
  problems: FieldProblems,
  field: string,
): { 'aria-invalid': 'true' | undefined; 'aria-describedby': string | undefined } {
  const bad = (problems[field]?.length ?? 0) > 0;
  return {
    'aria-invalid': bad ? 'true' : undefined,
    'aria-describedby': bad ? fieldProblemId(field) : undefined,
  };
}
