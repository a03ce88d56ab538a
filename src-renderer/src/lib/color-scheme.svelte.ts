/**
 * The system's colour scheme, followed live: an OS that turns dark at sunset darkens the charts too, not only the
 * page (whose CSS follows by itself). One listener for the whole app; charts read `colorScheme.dark` as state.
 */
class ColorScheme {
  #dark = $state(false);

  constructor() {
    const query =
      typeof window === 'undefined' ? undefined : window.matchMedia?.('(prefers-color-scheme: dark)');
    if (!query) return;
    this.#dark = query.matches;
    query.addEventListener?.('change', (e) => (this.#dark = e.matches));
  }

  get dark(): boolean {
    return this.#dark;
  }
}

export const colorScheme = new ColorScheme();
