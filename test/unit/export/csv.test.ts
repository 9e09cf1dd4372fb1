import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { afterAll, describe, expect, it } from 'vitest';
import { neutraliseCell, writeCsv, type Cell } from '../../../src-main/core/export/csv';

const dir = mkdtempSync(join(tmpdir(), 'csv-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('neutraliseCell (OWASP CSV injection)', () => {
  const cases: [string, Cell, string][] = [
    ['DDE payload', "=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"],
    ['plus', '+1', "'+1"],
    ['minus expression', '-1+1', "'-1+1"],
    ['at-function', '@SUM(1)', "'@SUM(1)"],
    ['leading tab', '\t=1', "'\t=1"],
    ['leading CR', '\r=1', "'\r=1"],
    ['HYPERLINK', '=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'],
    ['minus-looking text', '-', "'-"],
    ['numeric text keeps protection', '-5', "'-5"],
    ['normal text', 'alice@contoso.com', 'alice@contoso.com'],
    ['equals later in text', 'a=b', 'a=b'],
    ['leading space', ' =1', ' =1'],
    ['already quoted', "'=1", "'=1"],
    ['empty string', '', ''],
    ['unicode', 'Zoë Ångström', 'Zoë Ångström'],
    ['negative number', -3, '-3'],
    ['zero', 0, '0'],
    ['positive number', 25, '25'],
    ['fraction', 1.5, '1.5'],
    ['NaN', Number.NaN, ''],
    ['Infinity', Number.POSITIVE_INFINITY, ''],
    ['null', null, ''],
    ['undefined', undefined, ''],
  ];
  it.each(cases)('%s', (_label, input, expected) => {
    expect(neutraliseCell(input)).toBe(expected);
  });
});

describe('writeCsv', () => {
  it('writes a UTF-8 BOM, CRLF records and RFC 4180 quoting', async () => {
    const path = join(dir, 'quoting.csv');
    const rows: Cell[][] = [
      ['plain', 'with,comma', 'with "quotes"', 'multi\nline', 'lone\rcr', -7],
      ['=1+1', 'Zoë', '', null, 'x', 3],
    ];
    await writeCsv(path, ['A', 'B', 'C', 'D', 'E', 'F'], rows);
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = bytes.subarray(3).toString('utf8');
    expect(text).toBe(
      'A,B,C,D,E,F\r\n' +
        'plain,"with,comma","with ""quotes""","multi\nline","lone\rcr",-7\r\n' +
        "'=1+1,Zoë,,,x,3\r\n",
    );
    const parsed = parse(text, { record_delimiter: '\r\n' }) as string[][];
    expect(parsed[1]).toEqual(['plain', 'with,comma', 'with "quotes"', 'multi\nline', 'lone\rcr', '-7']);
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
    expect(readFileSync(path, 'utf8')).toBe("\ufeff'=H\r\n'@x,0\r\n'@x,1\r\n'@x,2\r\n");
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
    expect(lines[50_000]).toBe('user49999@contoso.example,49999');
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
    expect(existsSync(`${path}.tmp`)).toBe(false);
    expect(readdirSync(dir).filter((f) => f.startsWith('atomic'))).toEqual(['atomic.csv']);
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
    expect(readFileSync(path, 'utf8')).toBe('\ufeffH\r\nnew\r\n');
  });

  it('fails when the folder does not exist, creating nothing', async () => {
    const path = join(dir, 'missing-folder', 'x.csv');
    await expect(writeCsv(path, ['A'], [['1']])).rejects.toThrow();
    expect(existsSync(join(dir, 'missing-folder'))).toBe(false);
  });
});
