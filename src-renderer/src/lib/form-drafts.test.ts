import { beforeEach, describe, expect, test, vi } from 'vitest';

describe('form drafts', () => {
  beforeEach(() => {
    sessionStorage.clear();
    vi.resetModules();
  });
  test('a draft is kept in memory and in the tab’s storage, so a reload finds it', async () => {
    const a = await import('./form-drafts');
    a.saveDraft('train', { model: 'gbdt', rounds: 40 });
    expect(a.loadDraft('train')).toEqual({ model: 'gbdt', rounds: 40 });
    // A reload: the module starts again, the storage stays.
    vi.resetModules();
    const b = await import('./form-drafts');
    expect(b.loadDraft('train')).toEqual({ model: 'gbdt', rounds: 40 });
    b.clearDraft('train');
    expect(b.loadDraft('train')).toBeNull();
    expect(b.loadDraft('search')).toBeNull();
  });
});
