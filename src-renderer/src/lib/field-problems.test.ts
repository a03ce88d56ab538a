import { describe, expect, test } from 'vitest';
import { ApiError } from '../../../src-main/engine/api-types';
import { fieldAttrs, fieldProblemId, problemsOf } from './field-problems';

describe('field problems', () => {
  test("a refused request's fields are read from its error; other errors have none", () => {
    const fields = { epochs: ['must be at least 1'], 'loss.gamma': ['must be at least 0'] };
    expect(problemsOf(new ApiError('bad-request', 'bad request for train/start: …', fields))).toEqual(fields);
    expect(problemsOf(new ApiError('not-found', 'no run 9'))).toEqual({});
    expect(problemsOf(new Error('network'))).toEqual({});
  });
  test('an input with a problem is invalid and described by it; one without is neither', () => {
    const problems = { 'loss.gamma': ['must be at least 0'] };
    expect(fieldAttrs(problems, 'loss.gamma')).toEqual({
      'aria-invalid': 'true',
      'aria-describedby': 'problem-loss-gamma',
    });
    expect(fieldProblemId('loss.gamma')).toBe('problem-loss-gamma');
    expect(fieldAttrs(problems, 'epochs')).toEqual({
      'aria-invalid': undefined,
      'aria-describedby': undefined,
    });
  });
});
