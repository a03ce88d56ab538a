/**
 * Keyboard for a row of ARIA tabs (WAI-ARIA Authoring Practices, tabs with automatic activation): Left/Right move
 * to the previous/next tab, wrapping around; Home/End to the first/last. Returns the tab to select, or null where
 * the key is not one of those (the browser keeps it).
 */
export function tabAfterKey(key: string, current: number, count: number): number | null {
  if (count <= 0) return null;
  switch (key) {
    case 'ArrowRight':
      return (current + 1) % count;
    case 'ArrowLeft':
      return (current - 1 + count) % count;
    case 'Home':
      return 0;
    case 'End':
      return count - 1;
    default:
      return null;
  }
}
