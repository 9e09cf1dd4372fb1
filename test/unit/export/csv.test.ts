import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { neutraliseCell, writeCsv, type Cell } from '../../../src-main/core/export/csv';

const dir = mkdtempSync(join(tmpdir(), 'csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * OWASP "CSV Injection" (https://owasp.org/www-community/attacks/CSV_Injection): a cell
 * starting with = + - @ TAB or CR is prefixed with a single quote so that spreadsheets
 * read it as text. Look-alikes a spreadsheet folds or looks past are covered too.
 */
describe('neutraliseCell (OWASP CSV injection)', () => {
  const cases: [string, Cell, string | number | null][] = [
    ['DDE payload', "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['plus', '+1', "'+1"],
    ['minus expression', '-1+1', "'-1+1"],
    ['at-function', '@SUM(1)', "'@SUM(1)"],
    ['leading tab', '\t=1', "'\t'=1"],
    ['leading CR', '\r=1', "'\r'=1"],
    ['HYPERLINK', '=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'],
    ['minus-looking text', '-', "'-"],
    ['numeric text keeps protection', '-5', "'-5"],
    ['normal text', 'alice@contoso.com', 'alice@contoso.com'],
    ['equals later in text', 'a=b', 'a=b'],
    ['leading space', ' =1', "' =1"],
    ['leading spaces before plus', '   +1', "'   +1"],
    ['no-break space', '\u00A0=1', "'\u00A0=1"],
    ['zero-width space', '\u200B=1', "'\u200B=1"],
    ['byte order mark', '\uFEFF@SUM(1)', "'\uFEFF@SUM(1)"],
    ['word joiner', '\u2060-1', "'\u2060-1"],
    ['zero-width joiners mixed with spaces', ' \u200D\u200C =1', "' \u200D\u200C =1"],
    ['full-width equals', '\uFF1D1+1', "'\uFF1D1+1"],
    ['full-width plus', '\uFF0B1', "'\uFF0B1"],
    ['full-width minus', '\uFF0D1', "'\uFF0D1"],
    ['full-width at', '\uFF20SUM(1)', "'\uFF20SUM(1)"],
    ['semicolon then formula', 'Bob;=1+1', "Bob;'=1+1"],
    ['comma then formula', 'Bob,@x', "Bob,'@x"],
    ['tab then formula', 'Bob\t=1', "Bob\t'=1"],
    ['line break then formula', 'Bob\n+1', "Bob\n'+1"],
    ['separator, space, formula', 'a; =1', "a;' =1"],
    ['joined plan names stay as they are', 'Microsoft Teams; Exchange Online (Plan 2)', 'Microsoft Teams; Exchange Online (Plan 2)'],
    ['a space alone', ' ', ' '],
    ['already quoted', "'=1", "'=1"],
    ['empty string', '', ''],
    ['unicode', 'Zoë Ångström', 'Zoë Ångström'],
    ['negative number stays a number', -3, -3],
    ['zero', 0, 0],
    ['positive number', 25, 25],
    ['fraction', 1.5, 1.5],
    ['NaN', Number.NaN, null],
    ['Infinity', Number.POSITIVE_INFINITY, null],
    ['null', null, null],
    ['undefined', undefined, null],
  ];
  it.each(cases)('%s', (_label, input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });
});

describe('writeCsv', () => {
  it('writes a UTF-8 BOM, CRLF records, every text field quoted and numbers bare', async () => {
    const path = join(dir, 'quoting.csv');
    const rows: Cell[][] = [
      ['plain', 'with,comma', 'with "quotes"', 'multi\nline', 'lone\rcr', -7],
      ['=1+1', 'Zoë', '', null, 'a;b\tc', 3],
    ];
    await writeCsv(path, ['A', 'B', 'C', 'D', 'E', 'F'], rows);
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toBe(
      '"A","B","C","D","E","F"\r\n' +
        '"plain","with,comma","with ""quotes""","multi\nline","lone\rcr",-7\r\n' +
        '"\'=1+1","Zoë","",,"a;b\tc",3\r\n',
    );
    const parsed = parse(text, { record_delimiter: '\r\n' }) as string[][];
    expect(parsed[1]).toEqual(['plain', 'with,comma', 'with "quotes"', 'multi\nline', 'lone\rcr', '-7']);
  });

  it('writes ; as the field separator when asked', async () => {
    const path = join(dir, 'semicolon.csv');
    await writeCsv(path, ['Name', 'Seats'], [['Bob, Jr.', 25], ['x;y', -1]], { delimiter: ';' });
    const text = readFileSync(path, 'utf8').slice(1);
    expect(text).toBe('"Name";"Seats"\r\n"Bob, Jr.";25\r\n"x;y";-1\r\n');
    expect(parse(text, { delimiter: ';', record_delimiter: '\r\n' })).toEqual([['Name', 'Seats'], ['Bob, Jr.', '25'], ['x;y', '-1']]);
  });

  it('neutralises header cells too and accepts async iterables', async () => {
    const path = join(dir, 'async.csv');
    async function* rows() {
      for (let i = 0; i < 3; i++) {
        await new Promise((r) => setImmediate(r));
        yield ['@x', i] as Cell[];
      }
    }
    const r = await writeCsv(path, ['=H'], rows());
    expect(r.rows).toBe(3);
    expect(readFileSync(path, 'utf8')).toBe('\ufeff"\'=H"\r\n"\'@x",0\r\n"\'@x",1\r\n"\'@x",2\r\n');
  });

  it('streams many rows', async () => {
    const path = join(dir, 'big.csv');
    function* rows() {
      for (let i = 0; i < 50_000; i++) yield [`user${i}@contoso.example`, i];
    }
    const r = await writeCsv(path, ['UPN', 'N'], rows());
    expect(r.rows).toBe(50_000);
    const lines = readFileSync(path, 'utf8').split('\r\n');
    expect(lines).toHaveLength(50_002);
    expect(lines[50_000]).toBe('"user49999@contoso.example",49999');
  });

  it('a failed export keeps the previous file and leaves no temporary file', async () => {
    const path = join(dir, 'atomic.csv');
    writeFileSync(path, 'previous export\r\n');
    function* failing() {
      yield ['one', 1];
      throw new Error('database went away');
    }
    await expect(writeCsv(path, ['A', 'B'], failing())).rejects.toThrow('database went away');
    expect(readFileSync(path, 'utf8')).toBe('previous export\r\n');
    expect(readdirSync(dir).filter((f) => f.startsWith('atomic'))).toEqual(['atomic.csv']);
  });

  it('a failure after several blocks are on disk keeps the previous file and leaves no temporary file', async () => {
    const path = join(dir, 'late-failure.csv');
    writeFileSync(path, 'previous export\r\n');
    function* failing() {
      // About 5 MB of records, then the source fails.
      for (let i = 0; i < 100_000; i++) yield [`user${i}@contoso.example`, 'Office 365 E3', i];
      throw new Error('database went away');
    }
    await expect(writeCsv(path, ['A', 'B', 'C'], failing())).rejects.toThrow('database went away');
    expect(readFileSync(path, 'utf8')).toBe('previous export\r\n');
    expect(readdirSync(dir).filter((f) => f.includes('late-failure'))).toEqual(['late-failure.csv']);
  });

  it('a file system that takes only part of a block fails the export, keeping the previous file', () => {
    // Under `ulimit -f 1024` (512-byte blocks) the one write of the ~700 KB file is cut short at
    // 512 KiB: the rest must be written (and then fail with EFBIG), not taken as done.
    const path = join(dir, 'file-limit.csv');
    writeFileSync(path, 'previous export\r\n');
    const fixture = fileURLToPath(new URL('./fixtures/csv-file-limit.ts', import.meta.url));
    const r = spawnSync('/bin/sh', ['-c', 'ulimit -f 1024 && exec "$@"', 'sh', process.execPath, '--import', 'tsx', fixture, path], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim())).toEqual({ ok: false, code: 'EFBIG' });
    expect(readFileSync(path, 'utf8')).toBe('previous export\r\n');
    expect(readdirSync(dir).filter((f) => f.includes('file-limit'))).toEqual(['file-limit.csv']);
  });

  it('replaces the previous file only once the new one is complete', async () => {
    const path = join(dir, 'replace.csv');
    writeFileSync(path, 'old\r\n');
    let sawOld = false;
    function* rows() {
      sawOld = readFileSync(path, 'utf8') === 'old\r\n';
      yield ['new'];
    }
    await writeCsv(path, ['H'], rows());
    expect(sawOld).toBe(true);
    expect(readFileSync(path, 'utf8')).toBe('\ufeff"H"\r\n"new"\r\n');
  });

  it('fails when the folder does not exist, creating nothing', async () => {
    const path = join(dir, 'missing-folder', 'x.csv');
    await expect(writeCsv(path, ['A'], [['1']])).rejects.toThrow();
    expect(existsSync(join(dir, 'missing-folder'))).toBe(false);
  });
});
