import { describe, expect, test } from 'vitest';
import { attributeLabel, attributeShort } from './smart-names';

describe('SMART names', () => {
  test('the same words for a column wherever it appears', () => {
    expect(attributeLabel('smart_197_raw')).toBe('SMART 197 Current pending sectors');
    expect(attributeLabel('smart_9_raw:change')).toBe('SMART 9 Power-on hours · daily change');
    expect(attributeLabel('smart_1_normalized')).toBe('SMART 1 Read error rate (normalised)');
    expect(attributeLabel('backblaze_rule')).toBe("Backblaze's rule (5+187+188+197+198)");
    expect(attributeLabel('pod_id')).toBe('pod_id');
    expect(attributeShort('smart_5_raw')).toBe('SMART 5');
  });
});
