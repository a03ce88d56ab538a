/**
 * What a form holds while the analyst works on it, kept across a tab switch (the view is unmounted) and a reload
 * (this browser tab's sessionStorage; web mode serves one workspace per origin, so drafts never cross workspaces).
 */
const memory = new Map<string, unknown>();

/** The Threshold tab's preset terms (ThresholdPresets.svelte). */
export const PRESETS_DRAFT = 'threshold-presets';
const storageKey = (form: string): string => `drive-triage:draft:${form}`;

export function saveDraft(form: string, value: unknown): void {
  memory.set(form, value);
  try {
    sessionStorage.setItem(storageKey(form), JSON.stringify(value));
  } catch {
    // No storage (a locked-down browser): the draft lives until the page reloads.
  }
}

export function loadDraft<T>(form: string): T | null {
  if (memory.has(form)) return memory.get(form) as T;
  try {
    const text = sessionStorage.getItem(storageKey(form));
    return text ? (JSON.parse(text) as T) : null;
  } catch {
    return null;
  }
}

export function clearDraft(form: string): void {
  memory.delete(form);
  try {
    sessionStorage.removeItem(storageKey(form));
  } catch {
    // As above.
  }
}
