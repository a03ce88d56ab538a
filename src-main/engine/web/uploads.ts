import { randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { basename, isAbsolute, join, relative } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ApiError } from '../api-types';

/** A browser upload larger than this is refused (a quarter of Backblaze data zips to ~800 MB). */
export const DEFAULT_MAX_UPLOAD_BYTES = 4 * 1024 ** 3;

export class UploadTooLarge extends ApiError {
  constructor(limit: number) {
    super(
      'bad-request',
      `the upload is larger than the server's limit of ${formatBytes(limit)} (serve --max-upload-mb)`,
    );
  }
}

/** Each upload folder names the server process that owns it, so a later server knows a killed one's leftovers. */
const OWNER_FILE = '.owner';
/** An upload folder without an owner (written by an older version) is a leftover once this old. */
const UNOWNED_AGE_MS = 60 * 60 * 1000;

/**
 * Files the page uploads before importing them: each in a folder of its own under `dir`, capped in size, and
 * removed once its import has finished (or when the server closes, or, after a kill, when the next server starts).
 */
export class Uploads {
  private readonly pending = new Set<string>();

  constructor(
    readonly dir: string,
    private readonly maxBytes: number,
  ) {}

  /** Streams the request body to a new file; refuses it (and keeps nothing) past the size limit. */
  async receive(req: IncomingMessage, requestedName: string | null): Promise<string> {
    const declared = Number(req.headers['content-length'] ?? NaN);
    if (declared > this.maxBytes) throw new UploadTooLarge(this.maxBytes);
    const name = basename(requestedName ?? 'upload.csv').replace(/[^\w.-]/g, '_') || 'upload.csv';
    const folder = join(this.dir, randomUUID());
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, OWNER_FILE), String(process.pid));
    this.pending.add(folder);
    const path = join(folder, name);
    let size = 0;
    const limit = this.maxBytes;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        size += chunk.length;
        done(size > limit ? new UploadTooLarge(limit) : null, chunk);
      },
    });
    try {
      await pipeline(req, cap, createWriteStream(path));
    } catch (err) {
      this.remove(folder);
      throw err;
    }
    return path;
  }

  /** The upload folders among these paths (the ones to remove once their import ends). */
  foldersOf(paths: string[]): string[] {
    return [...this.pending].filter((folder) =>
      paths.some((p) => {
        const rel = relative(folder, p);
        return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
      }),
    );
  }

  remove(folder: string): void {
    this.pending.delete(folder);
    rmSync(folder, { recursive: true, force: true });
  }

  removeAll(): void {
    for (const folder of [...this.pending]) this.remove(folder);
  }

  /**
   * Removes what a server that was killed left behind: folders whose owner process is gone (or, without an owner,
   * untouched for an hour). A live server's uploads, this process's or another's on the same workspace, stay.
   * Returns how many were removed.
   */
  removeLeftovers(): number {
    if (!existsSync(this.dir)) return 0;
    let removed = 0;
    for (const name of readdirSync(this.dir)) {
      const folder = join(this.dir, name);
      if (this.pending.has(folder) || !statSync(folder).isDirectory()) continue;
      const owner = join(folder, OWNER_FILE);
      const leftover = existsSync(owner)
        ? !isAlive(Number(readFileSync(owner, 'utf8')))
        : Date.now() - statSync(folder).mtimeMs > UNOWNED_AGE_MS;
      if (!leftover) continue;
      rmSync(folder, { recursive: true, force: true });
      removed++;
    }
    return removed;
  }
}

/** Whether a process with this id runs (signal 0 checks without sending anything). */
function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: it runs, as another user.
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function formatBytes(n: number): string {
  return n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(1)} GiB` : `${+(n / 1024 ** 2).toFixed(1)} MiB`;
}
