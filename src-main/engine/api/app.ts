/** The app itself. */

export interface AppInfo {
  version: string;
  dbPath: string;
  mode: 'electron' | 'web' | 'cli';
  sampleAvailable: boolean;
  empty: boolean;
  /** Web mode: the folders this page may import from and export to (the server adds them). */
  allowedRoots?: string[];
}

/** The app slice of the Api. */
export interface AppApi {
  'app/info': { req: Record<string, never>; res: AppInfo };
}

export const APP_KEYS: Record<keyof AppApi, true> = {
  'app/info': true,
};
