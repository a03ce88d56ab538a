import { createHash } from 'node:crypto';
import { createReadStream, promises as fsp } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import * as yauzl from 'yauzl';

/**
 * One CSV to import: a plain file, a gzipped file, or an entry inside a zip.
 * open() yields the CSV's bytes (decompressed, streamed: never unzipped to disk);
 * onStoredBytes reports progress in bytes as stored, which is what the total counts.
 */
/** Where a source's bytes are, in a form another thread can open on its own. */
export type SourceLocation =
  { kind: 'csv' | 'gz'; path: string } | { kind: 'zip-entry'; zipPath: string; entryName: string };

export interface Source {
  name: string;
  location: SourceLocation;
  /** Bytes as stored: the file size, or the compressed size of a zip entry. */
  size: number;
  kind: 'csv' | 'gz' | 'zip-entry';
  sha256(): Promise<string>;
  open(onStoredBytes: (n: number) => void): Promise<Readable>;
}

export interface SkippedInput {
  name: string;
  reason: string;
}

const CSV = /\.csv$/i;
const GZ = /\.csv\.gz$/i;
const ZIP = /\.zip$/i;
const READ_CHUNK = 1 << 20;

function hashStream(stream: Readable): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash('sha256');
    stream.on('data', (b: Buffer) => h.update(b));
    stream.on('error', reject);
    stream.on('end', () => resolve(h.digest('hex')));
  });
}

function openFile(path: string, gz: boolean, onStoredBytes: (n: number) => void): Readable {
  const raw = createReadStream(path, { highWaterMark: READ_CHUNK });
  let stored = 0;
  raw.on('data', (b: Buffer | string) => {
    stored += b.length;
    onStoredBytes(b.length);
  });
  if (!gz) return raw;
  const gunzip = createGunzip({ chunkSize: READ_CHUNK });
  raw.on('error', (e) => gunzip.destroy(e));
  // A gzip bomb is stopped as it inflates: far more out than a CSV gives for what was read in.
  let inflated = 0;
  gunzip.on('data', (b: Buffer) => {
    inflated += b.length;
    if (inflated > MAX_EXPANSION * stored + BOMB_SLACK)
      gunzip.destroy(
        new Error(`the gzip data inflates over ${MAX_EXPANSION}x (a CSV inflates ~10x): not drive data`),
      );
  });
  return raw.pipe(gunzip);
}

/** Inflated bytes allowed beyond the expansion limit before judging (small files compress unevenly). */
const BOMB_SLACK = 16 << 20;

function fileSource(path: string, size: number, gz: boolean): Source {
  return {
    name: path,
    location: { kind: gz ? 'gz' : 'csv', path },
    size,
    kind: gz ? 'gz' : 'csv',
    sha256: () => hashStream(createReadStream(path, { highWaterMark: READ_CHUNK })),
    open: (onStoredBytes) => Promise.resolve(openFile(path, gz, onStoredBytes)),
  };
}

function entryWithProgress(s: Readable, entry: yauzl.Entry, onStoredBytes: (n: number) => void): Readable {
  // Progress in stored bytes, scaled from the decompressed bytes read.
  const ratio = entry.uncompressedSize > 0 ? entry.compressedSize / entry.uncompressedSize : 1;
  s.on('data', (b: Buffer) => onStoredBytes(b.length * ratio));
  return s;
}

/** Opens a source's CSV bytes from its location alone (the parse worker's way in). */
export async function openLocation(
  loc: SourceLocation,
  onStoredBytes: (n: number) => void,
): Promise<Readable> {
  if (loc.kind !== 'zip-entry') return openFile(loc.path, loc.kind === 'gz', onStoredBytes);
  const zip = await openZip(loc.zipPath);
  const entry = (await zipEntries(zip)).find((e) => e.fileName === loc.entryName);
  if (!entry) {
    zip.close();
    throw new Error(`${loc.zipPath}: no entry named ${loc.entryName}`);
  }
  const s = entryWithProgress(await entryStream(zip, entry, true), entry, onStoredBytes);
  s.once('close', () => zip.close());
  return s;
}

function openZip(path: string): Promise<yauzl.ZipFile> {
  // Names are decoded here, not by yauzl: it fails the whole zip on one entry named ../x.csv; we skip that entry.
  return new Promise((resolve, reject) =>
    yauzl.open(
      path,
      { lazyEntries: true, autoClose: false, validateEntrySizes: true, decodeStrings: false },
      (err, zip) => (err || !zip ? reject(err ?? new Error('cannot open zip')) : resolve(zip)),
    ),
  );
}

/** An entry's name as text (UTF-8 when its flag says so, else the old DOS code page, read as Latin-1). */
function entryName(e: yauzl.Entry): string {
  const raw = e.fileName as unknown as Buffer | string;
  if (typeof raw === 'string') return raw;
  return raw.toString((e.generalPurposeBitFlag & 0x800) !== 0 ? 'utf8' : 'latin1');
}

/** A CSV inflates ~10x; far more is a zip bomb, not drive data. */
const MAX_EXPANSION = 200;
/** The largest entry read (a day of 300,000 drives is ~80 MB; a whole quarter in one file ~7 GB). */
const MAX_ENTRY_BYTES = 16 * 1024 ** 3;

/** Why an entry is not read (outside the zip's folder, a bomb), or null. */
export function unsafeEntry(name: string, compressed: number, uncompressed: number): string | null {
  const badName = yauzl.validateFileName(name);
  if (badName) return `${badName.replace(/: .*$/, '')}: an entry must stay inside the zip; skipped`;
  if (uncompressed > MAX_ENTRY_BYTES)
    return `inflates to ${(uncompressed / 1024 ** 3).toFixed(1)} GiB, over the ${MAX_ENTRY_BYTES / 1024 ** 3} GiB an entry may; skipped`;
  if (uncompressed > 1024 * 1024 && uncompressed > MAX_EXPANSION * Math.max(compressed, 1))
    return `inflates ${Math.round(uncompressed / Math.max(compressed, 1))}x (a CSV inflates ~10x): not drive data; skipped`;
  return null;
}

function zipEntries(zip: yauzl.ZipFile): Promise<yauzl.Entry[]> {
  return new Promise((resolve, reject) => {
    const entries: yauzl.Entry[] = [];
    zip.on('entry', (e: yauzl.Entry) => {
      (e as { fileName: string }).fileName = entryName(e);
      entries.push(e);
      zip.readEntry();
    });
    zip.on('end', () => resolve(entries));
    zip.on('error', reject);
    zip.readEntry();
  });
}

function entryStream(zip: yauzl.ZipFile, entry: yauzl.Entry, decompress: boolean): Promise<Readable> {
  // A stored (uncompressed) entry's bytes are the CSV itself; yauzl refuses a decompress option for it.
  const stored = entry.compressionMethod === 0;
  return new Promise((resolve, reject) =>
    zip.openReadStream(entry, decompress || stored ? {} : { decompress: false }, (err, s) =>
      err || !s ? reject(err ?? new Error('cannot read zip entry')) : resolve(s),
    ),
  );
}

async function zipSources(path: string, skipped: SkippedInput[]): Promise<Source[]> {
  let zip: yauzl.ZipFile;
  try {
    zip = await openZip(path);
  } catch (err) {
    throw new Error(`${path}: not a readable zip file (${(err as Error).message})`);
  }
  const entries = await zipEntries(zip);
  const out: Source[] = [];
  for (const entry of entries) {
    const entryName = entry.fileName;
    if (entryName.endsWith('/')) continue;
    const name = `${path}!${entryName}`;
    if (!CSV.test(entryName) || basename(entryName).startsWith('._') || entryName.startsWith('__MACOSX/')) {
      skipped.push({ name, reason: 'not a CSV file; skipped' });
      continue;
    }
    const unsafe = unsafeEntry(entryName, entry.compressedSize, entry.uncompressedSize);
    if (unsafe) {
      skipped.push({ name, reason: unsafe });
      continue;
    }
    out.push({
      name,
      location: { kind: 'zip-entry', zipPath: path, entryName },
      size: entry.compressedSize,
      kind: 'zip-entry',
      sha256: async () => hashStream(await entryStream(zip, entry, false)),
      open: async (onStoredBytes) =>
        entryWithProgress(await entryStream(zip, entry, true), entry, onStoredBytes),
    });
  }
  return out;
}

/**
 * Expands files and folders (recursively, in name order) into sources. Inputs
 * that cannot be CSVs are listed as skipped rather than failing the whole import.
 */
export async function expandInputs(paths: string[]): Promise<{ sources: Source[]; skipped: SkippedInput[] }> {
  const sources: Source[] = [];
  const skipped: SkippedInput[] = [];
  // Folders already walked, by their real path: a link back up the tree is not followed twice.
  const visited = new Set<string>();
  const visit = async (path: string, explicit: boolean): Promise<void> => {
    let st;
    try {
      st = await fsp.stat(path);
    } catch {
      // A link inside a folder whose target is gone is noted, not fatal; a path the analyst typed is.
      if (!explicit && (await fsp.lstat(path).catch(() => null))?.isSymbolicLink()) {
        skipped.push({ name: path, reason: 'a link to a file or folder that does not exist; skipped' });
        return;
      }
      throw new Error(`${path}: no such file or folder`);
    }
    if (st.isDirectory()) {
      const real = await fsp.realpath(path);
      if (visited.has(real)) {
        skipped.push({ name: path, reason: `a link back to ${real}, already read; skipped` });
        return;
      }
      visited.add(real);
      const names = (await fsp.readdir(path)).sort();
      for (const n of names) if (!n.startsWith('.')) await visit(join(path, n), false);
    } else if (GZ.test(path)) sources.push(fileSource(path, st.size, true));
    else if (CSV.test(path)) sources.push(fileSource(path, st.size, false));
    else if (ZIP.test(path)) sources.push(...(await zipSources(path, skipped)));
    else if (explicit) sources.push(fileSource(path, st.size, isGzipMagic(await readHead(path))));
    else skipped.push({ name: path, reason: 'not a .csv, .csv.gz or .zip file; skipped' });
  };
  for (const p of paths) await visit(p, true);
  return { sources, skipped };
}

async function readHead(path: string): Promise<Buffer> {
  const fh = await fsp.open(path, 'r');
  try {
    const b = Buffer.alloc(2);
    await fh.read(b, 0, 2, 0);
    return b;
  } finally {
    await fh.close();
  }
}

function isGzipMagic(b: Buffer): boolean {
  return b[0] === 0x1f && b[1] === 0x8b;
}
