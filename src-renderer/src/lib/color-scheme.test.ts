import { afterEach, describe, expect, test, vi } from 'vitest';

/** A stand-in for the browser's media query: its `matches` and `change` events are the test's to set. */
function fakeQuery(matches: boolean) {
  const target = new EventTarget();
  const query = Object.assign(target, { matches, media: '(prefers-color-scheme: dark)' });
  vi.stubGlobal('matchMedia', () => query);
  return (dark: boolean): void => {
    query.matches = dark;
    target.dispatchEvent(Object.assign(new Event('change'), { matches: dark }));
  };
}

describe('colorScheme', () => {
  afterEach(() => {
    vi.unstubAllGlobals();
    vi.resetModules();
  });

  test('starts as the system is and follows it when it changes', async () => {
    const setSystem = fakeQuery(false);
    const { colorScheme } = await import('./color-scheme.svelte');
    expect(colorScheme.dark).toBe(false);
    setSystem(true);
    expect(colorScheme.dark).toBe(true);
    setSystem(false);
    expect(colorScheme.dark).toBe(false);
  });

  test('a dark system at start is dark', async () => {
    fakeQuery(true);
    const { colorScheme } = await import('./color-scheme.svelte');
    expect(colorScheme.dark).toBe(true);
  });
});
