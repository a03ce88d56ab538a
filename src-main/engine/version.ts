/** Kept in step with package.json by the release script; shown in the UI and stamped on runs. */
export const VERSION = '0.1.0';
