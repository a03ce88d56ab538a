import { existsSync, realpathSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, isAbsolute } from 'node:path';
import { ApiError } from '../api-types';

/**
 * The folders a web-mode page may make the engine read or write: the workspace's folder, the uploads folder and
 * those given with `serve --allow-path`. A page is only as trusted as its token; without this, `import/start`
 * could read any file the engine's user can, and `report/export` write anywhere.
 */
export class PathRoots {
  readonly roots: string[];

  constructor(roots: string[]) {
    this.roots = [...new Set(roots.map((r) => realOrResolved(resolve(r))))];
  }

  /** True when `path`, with every link followed, lies inside one of the roots. */
  allows(path: string): boolean {
    const real = realOrResolved(resolve(path));
    return this.roots.some((root) => {
      const rel = relative(root, real);
      return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
    });
  }

  /** Throws a refusal that names the allowed folders. */
  check(path: string, what: string): void {
    if (this.allows(path)) return;
    throw new ApiError(
      'forbidden',
      `${path}: web mode may only ${what} inside ${this.roots.join(', ')} (start the server with --allow-path DIR to add a folder)`,
    );
  }
}

/**
 * The real path of the nearest existing ancestor, with the rest appended: a folder that does not exist yet (a
 * report's output) is judged by where it would be created, links included.
 */
function realOrResolved(path: string): string {
  const missing: string[] = [];
  let p = path;
  while (!existsSync(p)) {
    const parent = dirname(p);
    if (parent === p) return path;
    missing.unshift(basename(p));
    p = parent;
  }
  return join(realpathSync(p), ...missing);
}
