import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { driveSeries } from '../catalogue/drives';
import { datasetSummary } from '../catalogue/summary';
import { openDb, type Db } from '../store/db';
import { modernHeader, writeModernDay } from '../testing/modern-generator';
import { writeZip } from '../testing/zip-writer';
import { runImport } from './import-run';

const SAMPLE = resolve(__dirname, '../../../resources/sample');
const OLD_HEADER = oldHeader();

function oldHeader(): string {
  // The 2013 header: the first line of a real sample file.
  const text = gunzipSync(readFileSync(join(SAMPLE, '2013-04-10.csv.gz'))).toString('latin1');
  return text.slice(0, text.indexOf('\r\n'));
}

let dir: string;
before(() => {
  dir = mkdtempSync(join(tmpdir(), 'dt-import-'));
});
after(() => rmSync(dir, { recursive: true, force: true }));

const fresh = (name: string): Db => openDb(join(dir, `${name}.sqlite`));
const count = (db: Db, sql: string): number => (db.prepare(sql).pluck().get() as number) ?? 0;

describe('the real Backblaze sample', () => {
  let db: Db;
  before(async () => {
    db = fresh('sample');
    await runImport(db, [SAMPLE]);
  });

  test('gives exactly the MANIFEST: 191,398 rows, 5,057 drives, 57 failures', () => {
    const manifest = readFileSync(join(SAMPLE, 'MANIFEST.txt'), 'utf8');
    const expected = [...manifest.matchAll(/rows=(\d+)/g)].reduce((s, m) => s + Number(m[1]), 0);
    assert.equal(expected, 191_398);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), expected);
    const s = datasetSummary(db);
    assert.equal(s.rows, 191_398);
    assert.equal(s.drives, 5_057);
    assert.equal(s.failures, 57);
    assert.equal(s.days, 40);
    assert.equal(s.firstDay, '2013-04-10');
    assert.equal(s.lastDay, '2013-05-19');
  });

  test('rows per day match the MANIFEST, file by file', () => {
    const manifest = readFileSync(join(SAMPLE, 'MANIFEST.txt'), 'utf8');
    for (const m of manifest.matchAll(/(\d{4}-\d{2}-\d{2})\.csv\s+rows=(\d+)/g)) {
      const day = Date.parse(`${m[1]}T00:00:00Z`) / 86_400_000;
      assert.equal(count(db, `SELECT count(*) FROM readings WHERE day = ${day}`), Number(m[2]), m[1]);
    }
  });

  test("each failure is on its drive's last day, and only there", () => {
    assert.equal(
      count(db, 'SELECT count(*) FROM drives WHERE failure_day IS NOT NULL AND failure_day <> last_day'),
      0,
    );
    assert.equal(count(db, 'SELECT count(*) FROM readings WHERE failure = 1'), 57);
    assert.equal(
      count(
        db,
        'SELECT count(*) FROM readings r JOIN drives d ON d.id = r.drive_id WHERE r.failure = 1 AND r.day = d.last_day',
      ),
      57,
    );
  });

  test('only the five filled SMART columns have values; empty is missing, not zero', () => {
    const filled = db
      .prepare('SELECT name FROM attributes WHERE present_rows > 0 ORDER BY slot')
      .pluck()
      .all();
    assert.deepEqual(filled, ['smart_1_raw', 'smart_5_raw', 'smart_9_raw', 'smart_194_raw', 'smart_197_raw']);
    assert.equal(
      count(db, 'SELECT count(*) FROM attributes'),
      80,
      'all 40 attributes x 2 are in the catalogue',
    );
    const slot = count(db, "SELECT slot FROM attributes WHERE name = 'smart_1_raw'");
    assert.equal(
      count(db, `SELECT max(smart(vals, ${slot})) FROM readings`),
      4294967295,
      'sentinel kept exactly',
    );
    const capacity = count(db, 'SELECT max(capacity) FROM drives');
    assert.equal(capacity, 4000787030016, '64-bit capacity');
  });

  test('importing the same files again adds nothing and says so', async () => {
    const again = await runImport(db, [join(SAMPLE, '2013-04-10.csv.gz'), join(SAMPLE, '2013-05-19.csv.gz')]);
    assert.deepEqual(
      again.files.map((f) => f.status),
      ['already-imported', 'already-imported'],
    );
    assert.match(again.files[0].message ?? '', /already imported/);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 191_398);
  });

  test('the same rows under another file name count as duplicates, not new rows', async () => {
    const copy = join(dir, 'copy-of-0410.csv.gz');
    writeFileSync(copy, gzipSync(gunzipSync(readFileSync(join(SAMPLE, '2013-04-10.csv.gz'))), { level: 1 }));
    const r = await runImport(db, [copy]);
    assert.equal(r.files[0].status, 'imported');
    assert.equal(r.rowsAccepted, 0);
    assert.equal(r.rowsDuplicate, 4679);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 191_398);
  });
});

describe('modern-era files and mixed eras', () => {
  test('the 2023 Q3 header (193 columns) imports, new attributes and location columns are kept', async () => {
    const db = fresh('mixed');
    await runImport(db, [join(SAMPLE, '2013-04-10.csv.gz')]);
    const attrsBefore = count(db, 'SELECT count(*) FROM attributes');
    const file = join(dir, '2023-10-01.csv');
    await writeModernDay({ path: file, date: '2023-10-01', drives: 2000, seed: 3, failing: new Set([7]) });
    assert.equal(modernHeader().split(',').length, 193);
    const r = await runImport(db, [file]);
    assert.equal(r.rowsAccepted, 2000);
    assert.equal(r.rowsRejected, 0);
    assert.ok(
      count(db, 'SELECT count(*) FROM attributes') > attrsBefore + 20,
      'new SMART attributes were added',
    );
    for (const col of ['pod_id', 'vault_id', 'cluster_id', 'pod_slot_num', 'is_legacy_format']) {
      assert.ok(
        count(db, `SELECT count(*) FROM attributes WHERE name = '${col}' AND present_rows = 2000`),
        col,
      );
    }
    // datacenter is text: kept in tags.
    const tags = db
      .prepare('SELECT tags FROM readings WHERE tags IS NOT NULL LIMIT 1')
      .pluck()
      .get() as string;
    assert.match(JSON.parse(tags).datacenter, /^[a-z]{3}\d$/);
    const s = datasetSummary(db);
    assert.equal(s.drives, 4679 + 2000);
    assert.equal(s.failures, 1, 'no 2013 drive failed on 04-10; the generated one did');
    assert.equal(s.days, 2);
    const smart242 = s.attributes.find((a) => a.name === 'smart_242_raw');
    assert.ok(smart242 && smart242.fillRate > 0 && smart242.fillRate < 1);
  });
});

describe('bad input', () => {
  const header = (): string => OLD_HEADER;
  const row = (serial: string, date: string, smart5: string, failure = '0'): string => {
    const cols = header().split(',');
    const f = cols.map(() => '');
    f[cols.indexOf('date')] = date;
    f[cols.indexOf('serial_number')] = serial;
    f[cols.indexOf('model')] = 'ST3000DM001';
    f[cols.indexOf('capacity_bytes')] = '3000592982016';
    f[cols.indexOf('failure')] = failure;
    f[cols.indexOf('smart_5_raw')] = smart5;
    return f.join(',');
  };

  test('bad rows go to rejected rows with file, line and reason; good rows stay', async () => {
    const db = fresh('badrows');
    const file = join(dir, 'bad-rows.csv');
    writeFileSync(
      file,
      [
        header(),
        row('A1', '2013-04-10', '0'),
        row('A2', '2013-04-10', 'abc'),
        row('A3', '2013-02-30', '0'),
        'A4,2013-04-10,too,few',
        row('A1', '2013-04-10', '7'),
        row('A1', '2013-04-10', '0'),
        row('A5', '2013-04-10', '3', '2'),
        row('A6', '2013-04-11', '12'),
      ].join('\n'),
    );
    const r = await runImport(db, [file]);
    assert.equal(r.rowsAccepted, 2);
    assert.equal(r.rowsRejected, 5);
    assert.equal(r.rowsDuplicate, 1, 'an identical repeat of a stored row is a duplicate, not a reject');
    const rejects = db.prepare('SELECT line, reason FROM rejected_rows ORDER BY line').all() as {
      line: number;
      reason: string;
    }[];
    assert.deepEqual(
      rejects.map((x) => x.line),
      [3, 4, 5, 6, 8],
    );
    assert.match(rejects[0].reason, /non-numeric value "abc" in smart_5_raw/);
    assert.match(rejects[1].reason, /bad date "2013-02-30"/);
    assert.match(rejects[2].reason, /expected 85 columns, found 4/);
    assert.match(rejects[3].reason, /duplicate of A1 on 2013-04-10 with different values/);
    assert.match(rejects[4].reason, /failure must be 0 or 1/);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 2);
  });

  test('a 100 MB line is one rejected row with its line number; memory stays flat and the rows after it import', async () => {
    const db = fresh('longline');
    const path = join(dir, 'long-line.csv');
    const { openSync, writeSync, closeSync } = await import('node:fs');
    const fd = openSync(path, 'w');
    writeSync(fd, `${header()}\n${row('L1', '2013-04-10', '0')}\nA,`);
    const block = Buffer.alloc(1 << 20, 65);
    for (let i = 0; i < 100; i++) writeSync(fd, block);
    writeSync(fd, `\n${row('L2', '2013-04-10', '5')}\n`);
    closeSync(fd);
    const rssBefore = process.memoryUsage().rss;
    const r = await runImport(db, [path]);
    assert.equal(r.rowsAccepted, 2);
    assert.equal(r.rowsRejected, 1);
    const reject = db.prepare('SELECT line, reason, length(raw) AS n FROM rejected_rows').get() as {
      line: number;
      reason: string;
      n: number;
    };
    assert.equal(reject.line, 3);
    assert.match(reject.reason, /longer than 1 MiB/);
    assert.ok(reject.n <= 200);
    // A bound far above what a flat read needs, far below the quadratic carry's 846 MB.
    assert.ok(process.memoryUsage().rss - rssBefore < 200e6, 'memory stays bounded');
  });

  describe('files that are not Backblaze CSVs are refused whole and write nothing', () => {
    let db: Db;
    let before0: number;
    before(async () => {
      db = fresh('refused');
      await runImport(db, [join(SAMPLE, '2013-04-10.csv.gz')]);
      before0 = count(db, 'SELECT count(*) FROM readings');
    });
    const unchanged = (): void => {
      assert.equal(count(db, 'SELECT count(*) FROM readings'), before0);
      assert.equal(count(db, 'SELECT count(*) FROM drives'), 4679);
      assert.equal(count(db, 'SELECT count(*) FROM files'), 1);
      assert.equal(count(db, 'SELECT count(*) FROM rejected_rows'), 0);
    };
    const refused = async (path: string, pattern: RegExp): Promise<void> => {
      const r = await runImport(db, [path]);
      assert.equal(r.files.length, 1);
      assert.equal(r.files[0].status, 'refused');
      assert.ok(r.files[0].message?.includes(path), 'the message names the file');
      assert.match(r.files[0].message ?? '', pattern);
      unchanged();
    };

    test('a truncated gzip (rows before the cut are undone too)', async () => {
      const text = Buffer.from(
        [header(), ...Array.from({ length: 60_000 }, (_, i) => row(`T${i}`, '2013-04-12', '0'))].join('\n'),
      );
      const gz = gzipSync(text);
      const path = join(dir, 'truncated.csv.gz');
      writeFileSync(path, gz.subarray(0, Math.floor(gz.length * 0.9)));
      await refused(path, /truncated/);
    });
    test('binary junk', async () => {
      const path = join(dir, 'junk.csv');
      writeFileSync(path, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919) % 256)));
      await refused(path, /not a text CSV|not a Backblaze/);
    });
    test('an empty file', async () => {
      const path = join(dir, 'empty.csv');
      writeFileSync(path, '');
      await refused(path, /empty/);
    });
    test('the wrong delimiter', async () => {
      const path = join(dir, 'semicolons.csv');
      writeFileSync(
        path,
        `${header().replaceAll(',', ';')}\n${row('X', '2013-04-10', '0').replaceAll(',', ';')}\n`,
      );
      await refused(path, /delimiter looks like ';'/);
    });
    test('a system file: refused without quoting its content', async () => {
      const path = join(dir, 'passwd');
      writeFileSync(path, 'root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n');
      await refused(path, /first line is not shown/);
      const r = await runImport(db, [path]);
      assert.doesNotMatch(r.files[0].message ?? '', /root|bash/);
    });
    test('a first line over 64 KiB: said so, not mistaken for a duplicate column', async () => {
      const path = join(dir, 'wide-header.csv');
      writeFileSync(
        path,
        `${header()},${Array.from({ length: 9000 }, (_, i) => `extra_${i}`).join(',')},date\n`,
      );
      await refused(path, /first line is longer than 64 KiB/);
    });
    test('a header of hundreds of junk columns: refused, no attribute added', async () => {
      const path = join(dir, 'junk-columns.csv');
      const junk = Array.from({ length: 300 }, (_, i) => `junk_${i}`).join(',');
      writeFileSync(path, `${header()},${junk}\n`);
      const attrs = count(db, 'SELECT count(*) FROM attributes');
      await refused(path, /the header adds 300 new columns; a file may add at most 256/);
      assert.equal(count(db, 'SELECT count(*) FROM attributes'), attrs);
    });
    test('a wrong header', async () => {
      const path = join(dir, 'other.csv');
      writeFileSync(path, 'id,name,price\n1,x,3\n');
      await refused(path, /lacks date, serial_number/);
    });
  });

  test("a refused file that added a column does not shift the next file's new column", async () => {
    // A truncated .csv.gz that introduced zzz_old is rolled back; the next good file adds yyy_new.
    const db = fresh('slots-after-rollback');
    const withColumn = (name: string, value: string, serial: string): string =>
      `${row(serial, '2013-04-12', '0')},${value}`;
    const truncated = join(dir, 'new-column-truncated.csv.gz');
    const lines = [
      `${header()},zzz_old`,
      ...Array.from({ length: 60_000 }, (_, i) => withColumn('zzz_old', '111', `Z${i}`)),
    ];
    const gz = gzipSync(Buffer.from(lines.join('\n')));
    writeFileSync(truncated, gz.subarray(0, Math.floor(gz.length * 0.9)));
    const good = join(dir, 'new-column-good.csv');
    writeFileSync(good, [`${header()},yyy_new`, withColumn('yyy_new', '222', 'G1')].join('\n'));
    // The same column again, now in a good file (the analyst re-downloaded it).
    const fixed = join(dir, 'new-column-fixed.csv');
    writeFileSync(fixed, [`${header()},zzz_old`, withColumn('zzz_old', '111', 'F1')].join('\n'));
    const r = await runImport(db, [truncated, good, fixed]);
    assert.deepEqual(
      r.files.map((f) => f.status),
      ['refused', 'imported', 'imported'],
    );
    const value = (serial: string, name: string): (number | null)[] | undefined =>
      driveSeries(db, serial, [name]).series.find((x) => x.name === name)?.values;
    assert.deepEqual(value('G1', 'yyy_new'), [222]);
    assert.deepEqual(value('F1', 'zzz_old'), [111]);
    const present = db.prepare('SELECT present_rows FROM attributes WHERE name = ?').pluck();
    assert.equal(present.get('yyy_new'), 1);
    assert.equal(present.get('zzz_old'), 1);
    // A later import (a fresh importer, slots read from the database) adds one more column without a clash.
    const later = join(dir, 'new-column-later.csv');
    writeFileSync(later, [`${header()},www_later`, withColumn('www_later', '333', 'L1')].join('\n'));
    assert.equal((await runImport(db, [later])).files[0].status, 'imported');
    assert.deepEqual(value('L1', 'www_later'), [333]);
    assert.deepEqual(value('G1', 'yyy_new'), [222]);
  });

  test('a header-only file imports with a notice and no rows', async () => {
    const db = fresh('headeronly');
    const path = join(dir, 'header-only.csv');
    writeFileSync(path, `${header()}\r\n`);
    const r = await runImport(db, [path]);
    assert.equal(r.files[0].status, 'imported');
    assert.match(r.files[0].message ?? '', /no data rows/);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 0);
  });

  test('a zip: CSV entries streamed, a non-CSV entry skipped and reported', async () => {
    const db = fresh('zip');
    const zip = join(dir, 'data_Q2_2013.zip');
    writeZip(zip, [
      {
        name: 'data_Q2_2013/2013-04-10.csv',
        data: gunzipSync(readFileSync(join(SAMPLE, '2013-04-10.csv.gz'))),
      },
      { name: 'data_Q2_2013/notes.pdf', data: Buffer.from('%PDF-1.4 not a csv') },
      {
        name: 'data_Q2_2013/2013-04-11.csv',
        data: gunzipSync(readFileSync(join(SAMPLE, '2013-04-11.csv.gz'))),
      },
    ]);
    const r = await runImport(db, [zip]);
    assert.deepEqual(
      r.files.map((f) => [f.name.split('!')[1], f.status, f.rowsAccepted]),
      [
        ['data_Q2_2013/2013-04-10.csv', 'imported', 4679],
        ['data_Q2_2013/2013-04-11.csv', 'imported', 4679],
      ],
    );
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0].name, /notes\.pdf$/);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 9358);
  });
});

describe('zips and folders that try to escape or explode', () => {
  const day = (): Buffer => gunzipSync(readFileSync(join(SAMPLE, '2013-04-10.csv.gz')));

  test('a stored (uncompressed) entry imports; ../ and absolute names are skipped by name; the rest go on', async () => {
    const db = fresh('zip-names');
    const zip = join(dir, 'tricky.zip');
    writeZip(zip, [
      { name: '../escape.csv', data: Buffer.from('x') },
      { name: '/abs.csv', data: Buffer.from('x') },
      { name: 'q/2013-04-10.csv', data: day(), stored: true },
    ]);
    const r = await runImport(db, [zip]);
    assert.deepEqual(
      r.files.map((f) => [f.name, f.status, f.rowsAccepted]),
      [[`${zip}!q/2013-04-10.csv`, 'imported', 4679]],
    );
    assert.deepEqual(
      r.skipped.map((s) => s.name),
      [`${zip}!../escape.csv`, `${zip}!/abs.csv`],
    );
    assert.match(r.skipped[0].reason, /invalid relative path: an entry must stay inside the zip/);
    assert.match(r.skipped[1].reason, /absolute path: an entry must stay inside the zip/);
  });

  test('a zip bomb (one entry inflating 1000x) is skipped before it is read', async () => {
    const db = fresh('zip-bomb');
    const zip = join(dir, 'bomb.zip');
    writeZip(zip, [
      { name: 'bomb.csv', data: Buffer.concat([Buffer.from(`${OLD_HEADER}\n`), Buffer.alloc(64 << 20, 48)]) },
      { name: '2013-04-10.csv', data: day() },
    ]);
    const r = await runImport(db, [zip]);
    assert.deepEqual(
      r.files.map((f) => f.status),
      ['imported'],
    );
    assert.equal(r.skipped.length, 1);
    assert.match(r.skipped[0].reason, /inflates \d+x \(a CSV inflates ~10x\): not drive data/);
  });

  test('a gzip bomb is stopped as it inflates, refused by name, nothing kept', async () => {
    const db = fresh('gz-bomb');
    const path = join(dir, 'bomb.csv.gz');
    writeFileSync(
      path,
      gzipSync(Buffer.concat([Buffer.from(`${OLD_HEADER}\n`), Buffer.alloc(64 << 20, 48)])),
    );
    const r = await runImport(db, [path]);
    assert.equal(r.files[0].status, 'refused');
    assert.match(r.files[0].message ?? '', /inflates over 200x \(a CSV inflates ~10x\): not drive data/);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 0);
    assert.equal(count(db, 'SELECT count(*) FROM files'), 0);
  });

  test('a link cycle and a dangling link inside a folder are skipped with a note; the folder imports', async () => {
    const db = fresh('links');
    const { mkdirSync, symlinkSync } = await import('node:fs');
    const folder = join(dir, 'linked');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    writeFileSync(join(folder, 'sub', '2013-04-10.csv'), day());
    symlinkSync(folder, join(folder, 'sub', 'loop'));
    symlinkSync(join(dir, 'gone.csv'), join(folder, 'dangling.csv'));
    const r = await runImport(db, [folder]);
    assert.deepEqual(
      r.files.map((f) => [f.name, f.status]),
      [[join(folder, 'sub', '2013-04-10.csv'), 'imported']],
    );
    const reasons = Object.fromEntries(r.skipped.map((s) => [s.name, s.reason]));
    assert.match(reasons[join(folder, 'dangling.csv')], /a link to a file or folder that does not exist/);
    assert.match(reasons[join(folder, 'sub', 'loop')], /a link back to .*already read/);
  });
});

describe('one importer per workspace across processes', () => {
  test('an import while another process holds the workspace is refused, naming its pid, and writes nothing', async () => {
    const dbPath = join(dir, 'locked.sqlite');
    const db = openDb(dbPath);
    const other = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 20000)']);
    try {
      writeFileSync(`${dbPath}.import-lock`, String(other.pid));
      await assert.rejects(
        runImport(db, [join(SAMPLE, '2013-04-10.csv.gz')]),
        new RegExp(`another import is running into this workspace \\(pid ${other.pid}\\)`),
      );
      assert.equal(count(db, 'SELECT count(*) FROM files'), 0, 'no file left running');
      assert.equal(count(db, 'SELECT count(*) FROM readings'), 0);
    } finally {
      other.kill();
    }
    await new Promise((r) => other.once('exit', r));
    // Its process gone (killed mid-import), the lock is stale and taken over; released after.
    const r = await runImport(db, [join(SAMPLE, '2013-04-10.csv.gz')]);
    assert.equal(r.files[0].status, 'imported');
    assert.equal(existsSync(`${dbPath}.import-lock`), false);
    db.close();
  });

  test('two CLI imports at once that both add columns: no slot clash, nothing left running', async () => {
    const dbPath = join(dir, 'two-clis.sqlite');
    openDb(dbPath).close();
    const files = ['aaa_one', 'bbb_two'].map((col, i) => {
      const path = join(dir, `two-clis-${i}.csv`);
      const cols = OLD_HEADER.split(',');
      const rows = Array.from({ length: 20_000 }, (_, k) => {
        const f = cols.map(() => '');
        f[cols.indexOf('date')] = '2013-04-10';
        f[cols.indexOf('serial_number')] = `C${i}-${k}`;
        f[cols.indexOf('model')] = 'ST3000DM001';
        f[cols.indexOf('capacity_bytes')] = '3000592982016';
        f[cols.indexOf('failure')] = '0';
        return `${f.join(',')},${i + 1}`;
      });
      writeFileSync(path, [`${OLD_HEADER},${col}`, ...rows].join('\n'));
      return path;
    });
    const cli = resolve(__dirname, '../../../bin/drive-triage.js');
    const run = (file: string): Promise<{ code: number; out: string }> =>
      new Promise((done) => {
        const child = spawn(process.execPath, [cli, 'import', file, '--db', dbPath], { stdio: 'pipe' });
        let out = '';
        child.stdout.on('data', (c: Buffer) => (out += c.toString()));
        child.stderr.on('data', (c: Buffer) => (out += c.toString()));
        child.on('exit', (code) => done({ code: code ?? 1, out }));
      });
    const results = await Promise.all(files.map(run));
    for (const r of results) {
      if (r.code !== 0) assert.match(r.out, /another import is running into this workspace \(pid \d+\)/);
      assert.doesNotMatch(r.out, /UNIQUE constraint/);
    }
    const db = openDb(dbPath);
    assert.equal(count(db, "SELECT count(*) FROM files WHERE status = 'running'"), 0);
    const slots = db.prepare('SELECT slot FROM attributes').pluck().all() as number[];
    assert.equal(new Set(slots).size, slots.length);
    db.close();
  });
});

describe('an import killed midway', () => {
  test('leaves the database consistent, and importing again completes it exactly', async () => {
    const file = join(dir, 'big-day.csv');
    await writeModernDay({ path: file, date: '2023-10-02', drives: 150_000, seed: 9 });
    const dbPath = join(dir, 'killed.sqlite');
    openDb(dbPath).close();
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        '-e',
        `require(${JSON.stringify(resolve(__dirname, 'import-run.ts'))}).runImport(require(${JSON.stringify(resolve(__dirname, '../store/db.ts'))}).openDb(${JSON.stringify(dbPath)}), [${JSON.stringify(file)}])`,
      ],
      { stdio: 'ignore' },
    );
    // Wait until at least one batch is committed, then kill the process outright.
    const watcher = openDb(dbPath);
    const deadline = Date.now() + 60_000;
    while (
      Date.now() < deadline &&
      count(watcher, 'SELECT coalesce(max(rows_accepted), 0) FROM files') === 0
    ) {
      await new Promise((r) => setTimeout(r, 20));
    }
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = count(watcher, 'SELECT count(*) FROM readings');
    assert.ok(partial > 0 && partial < 150_000, `killed midway (${partial} rows committed)`);
    assert.equal(watcher.pragma('integrity_check', { simple: true }), 'ok');
    watcher.close();

    const db = openDb(dbPath);
    const r = await runImport(db, [file]);
    assert.equal(r.files[0].status, 'imported');
    assert.equal(r.rowsAccepted, 150_000);
    assert.equal(r.rowsDuplicate, 0);
    assert.equal(count(db, 'SELECT count(*) FROM readings'), 150_000);
    assert.equal(count(db, 'SELECT count(*) FROM drives WHERE days_seen = 1'), 150_000);
    assert.equal(count(db, "SELECT count(*) FROM files WHERE status = 'done'"), 1);
    assert.equal(db.pragma('integrity_check', { simple: true }), 'ok');
    db.close();
  });
});

describe('the drive catalogue', () => {
  test("a drive renamed between files takes its newest day's model; an older file does not rename it", async () => {
    const db = fresh('renamed');
    const cols = OLD_HEADER.split(',');
    const line = (date: string, model: string): string => {
      const f = cols.map(() => '');
      f[cols.indexOf('date')] = date;
      f[cols.indexOf('serial_number')] = 'PL1331LAGXN0AH';
      f[cols.indexOf('model')] = model;
      f[cols.indexOf('capacity_bytes')] = '4000787030016';
      f[cols.indexOf('failure')] = '0';
      f[cols.indexOf('smart_9_raw')] = '100';
      return f.join(',');
    };
    const write = (name: string, date: string, model: string): string => {
      const path = join(dir, name);
      writeFileSync(path, `${OLD_HEADER}\n${line(date, model)}\n`);
      return path;
    };
    await runImport(db, [write('d1.csv', '2013-04-10', 'Hitachi HDS5C4040ALE630')]);
    await runImport(db, [write('d3.csv', '2013-04-12', 'HGST HDS5C4040ALE630')]);
    await runImport(db, [write('d2.csv', '2013-04-11', 'Hitachi HDS5C4040ALE630')]);
    const d = db.prepare('SELECT model, first_day, last_day, days_seen FROM drives').get() as Record<
      string,
      unknown
    >;
    assert.equal(d.model, 'HGST HDS5C4040ALE630');
    assert.equal(d.days_seen, 3);
    assert.equal((d.last_day as number) - (d.first_day as number), 2);
  });
});
