import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { GraphSession } from '../../src-main/core/graph/session';
import { datasetById, emptyBatch, type DatasetId } from '../../src-main/core/datasets';
import { boolCell } from '../../src-main/core/datasets/report-cells';
import { boolCellText, csvFile, csvText, dateCellText, degenerateCsv, intCellText } from '../helpers/csv-gen';
import { scriptedNetwork, sessionOver } from '../helpers/fake-network';
import { CaseCounter, fuzzParams, parsesOrClearError, settlesOrClearError } from '../helpers/fuzz';

/**
 * Usage report CSVs as the Graph session reads them (reportRows: the authenticated request,
 * its 302 to a pre-authenticated download, the CSV streamed through csv-parse), then the
 * report row schemas and the mapping to store rows. Files are generated with odd quoting,
 * BOMs, CR/LF/CRLF, embedded newlines, short and long rows, True/False and Yes/No cells,
 * and delivered in arbitrary chunks (a chunk may end inside a UTF-8 character). Each file
 * is read row by row, or fails with a clear graph-error; nothing else escapes and no read hangs.
 *
 * The HTTP layer here is an in-process fetch: this tests the CSV path, not the network.
 * Report CSV columns: learn.microsoft.com/graph/api/reportroot-getoffice365activeuserdetail,
 * -getm365appuserdetail, -getoffice365activationsuserdetail, -getmailboxusagedetail.
 */
const counter = new CaseCounter('report CSVs');
afterAll(() => console.log(counter.report()));

const REPORT_PATH = "/reports/getOffice365ActiveUserDetail(period='D30')";

/** The report request answers 302 to a pre-authenticated download, which streams `body` in the given chunks. */
function session(body: Buffer, cuts: number[]): GraphSession {
  return sessionOver(
    scriptedNetwork((url) => {
      if (url.hostname.startsWith('graph.')) return new Response(null, { status: 302, headers: { location: 'https://reports.office.example/data.csv?sig=x' } });
      const bounds = [...new Set(cuts.map((c) => c % (body.length + 1)))].sort((a, b) => a - b);
      const chunks: Buffer[] = [];
      let from = 0;
      for (const b of [...bounds, body.length]) {
        if (b > from) chunks.push(body.subarray(from, b));
        from = Math.max(from, b);
      }
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(new Uint8Array(c));
          controller.close();
        },
      });
      return new Response(stream, { status: 200, headers: { 'content-type': 'application/octet-stream' } });
    }),
  );
}

async function readRows(body: Buffer, cuts: number[]): Promise<Record<string, string>[]> {
  const s = session(body, cuts);
  try {
    const rows: Record<string, string>[] = [];
    for await (const row of s.reportRows(REPORT_PATH)) rows.push(row);
    return rows;
  } finally {
    await s.close();
  }
}

/** Validate, map and pack one row as the sync does (the dataset registry's entry); returns the packed cells. */
function pack(id: DatasetId, row: unknown): unknown[][] {
  const d = datasetById(id);
  const batch = emptyBatch(d);
  d.pack(batch, row, 'row 1');
  return batch;
}

const REPORTS = [
  {
    name: 'Office 365 active user detail',
    header: ['Report Refresh Date', 'User Principal Name', 'Display Name', 'Is Deleted', 'Has Exchange License', 'Has Teams License', 'Exchange Last Activity Date', 'Assigned Products'],
    map: (r: unknown) => pack('report.activeUserDetail', r),
  },
  {
    name: 'Microsoft 365 Apps user detail',
    header: ['Report Refresh Date', 'User Principal Name', 'Last Activation Date', 'Last Activity Date', 'Windows', 'Mac', 'Mobile', 'Web'],
    map: (r: unknown) => pack('report.m365AppUserDetail', r),
  },
  {
    name: 'Office 365 activations user detail',
    header: ['Report Refresh Date', 'User Principal Name', 'Display Name', 'Product Type', 'Windows', 'Mac', 'Windows 10 Mobile', 'iOS', 'Android', 'Activated On Shared Computer'],
    map: (r: unknown) => pack('report.activationsUserDetail', r),
  },
  {
    name: 'mailbox usage detail',
    header: ['Report Refresh Date', 'User Principal Name', 'Display Name', 'Is Deleted', 'Item Count', 'Storage Used (Byte)', 'Prohibit Send/Receive Quota (Byte)', 'Has Archive', 'Recipient Type'],
    map: (r: unknown) => pack('report.mailboxUsageDetail', r),
  },
];

const BOOL_COLUMNS = /^(Is Deleted|Has .*|Windows|Mac|Mobile|Web|Activated On Shared Computer)$/;
function cellFor(report: (typeof REPORTS)[number]) {
  return (column: string): fc.Arbitrary<string> => {
    if (column === 'User Principal Name') return fc.oneof({ weight: 4, arbitrary: fc.emailAddress() }, { weight: 1, arbitrary: csvText(30) });
    if (/Date$/.test(column)) return dateCellText;
    if (/Count|Byte|iOS|Android|Windows 10 Mobile/.test(column) || (report.name.includes('activations') && /^(Windows|Mac)$/.test(column))) return intCellText;
    if (BOOL_COLUMNS.test(column)) return boolCellText;
    return csvText();
  };
}

describe('usage report CSVs: read row by row, or a clear graph-error', () => {
  for (const report of REPORTS) {
    it(`${report.name}: generated files`, async () => {
      const file = fc.oneof({ weight: 5, arbitrary: csvFile(report.header, cellFor(report)) }, { weight: 1, arbitrary: degenerateCsv(report.header) });
      await fc.assert(
        fc.asyncProperty(
          file,
          fc.array(fc.nat(), { maxLength: 4 }),
          counter.count(`${report.name}`, async (text: string, cuts: number[]) => {
            const body = Buffer.from(text, 'utf8');
            const read = await settlesOrClearError(() => readRows(body, cuts), ['graph-error']);
            if (!read.ok) return;
            for (const row of read.value) {
              // Every row the reader hands over is text keyed by the header's columns.
              for (const v of Object.values(row)) expect(typeof v).toBe('string');
              const mapped = parsesOrClearError(() => report.map(row), ['graph-error']);
              if (mapped.ok) expect(mapped.value.flat().length).toBeGreaterThan(0);
            }
          }),
        ),
        fuzzParams(0.5),
      );
    });
  }

  it('any bytes at all', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 200 }),
        fc.array(fc.nat(), { maxLength: 3 }),
        counter.count('arbitrary bytes', async (bytes: Uint8Array, cuts: number[]) => {
          await settlesOrClearError(() => readRows(Buffer.from(bytes), cuts), ['graph-error']);
        }),
      ),
      fuzzParams(0.5),
    );
  });

  it('a well-formed file reads the same whatever the chunking', async () => {
    const report = REPORTS[0]!;
    const rows = fc.array(fc.tuple(...report.header.map((h) => cellFor(report)(h))), { maxLength: 5 });
    await fc.assert(
      fc.asyncProperty(
        rows,
        fc.boolean(),
        fc.array(fc.nat(), { maxLength: 6 }),
        counter.count('chunking is invisible', async (cells: string[][], bom: boolean, cuts: number[]) => {
          const quote = (v: string) => `"${v.replace(/"/g, '""')}"`;
          const text = (bom ? '\uFEFF' : '') + [report.header, ...cells].map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
          const whole = await settlesOrClearError(() => readRows(Buffer.from(text, 'utf8'), []), ['graph-error']);
          const chunked = await settlesOrClearError(() => readRows(Buffer.from(text, 'utf8'), cuts), ['graph-error']);
          expect(chunked.ok).toBe(whole.ok);
          if (whole.ok && chunked.ok) {
            expect(chunked.value).toEqual(whole.value);
            // Rows of only empty cells are skipped by the reader; every other row comes back as written.
            // (A lone UTF-16 surrogate cannot be written as UTF-8: the file holds U+FFFD in its place.)
            const written = cells.map((c) => c.map((v) => Buffer.from(v, 'utf8').toString('utf8')));
            const expected = written.filter((c) => c.some((v) => v !== '')).map((c) => Object.fromEntries(report.header.map((h, i) => [h, c[i]])));
            expect(whole.value).toEqual(expected);
          }
        }),
      ),
      fuzzParams(0.5),
    );
  });

  it.each([
    ['empty', ''],
    ['a BOM alone', '\uFEFF'],
    ['header only', 'Report Refresh Date,User Principal Name\r\n'],
    ['header only, with a BOM and no line end', '\uFEFFReport Refresh Date,User Principal Name'],
    ['header and blank lines (CRLF)', 'Report Refresh Date,User Principal Name\r\n\r\n\r\n'],
    ['header and blank lines (LF)', 'Report Refresh Date,User Principal Name\n\n\n'],
  ])('a report with no data rows (%s) reads as no rows', async (_what, text) => {
    expect(await readRows(Buffer.from(text, 'utf8'), [])).toEqual([]);
  });

  it('a short row is a graph-error, not a row with missing cells', async () => {
    const r = await settlesOrClearError(() => readRows(Buffer.from('Report Refresh Date,User Principal Name,Is Deleted\r\n2024-01-01,a@b.example\r\n'), []), ['graph-error']);
    expect(r.ok).toBe(false);
  });

  // Shrunk counterexamples: csv-parse's INVALID_OPENING_QUOTE (a quote after other text in
  // a field) has no CSV_ prefix and was reported as a network failure.
  it.each([
    ['a NUL then a quote', Buffer.from([0, 34])],
    ['a quoted field after a space', Buffer.from('User Principal Name,Item Count\r\na@b.example, "1,234"\r\n')],
  ])('a malformed CSV (%s) is a graph-error naming the CSV, not a network error', async (_what, body) => {
    const r = await settlesOrClearError(() => readRows(body, []), ['graph-error']);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.message).toMatch(/report CSV is malformed \(INVALID_OPENING_QUOTE\)/);
  });

  it('Yes/No, True/False and 1/0 in any case map to booleans; other text is a graph-error naming the column', () => {
    fc.assert(
      fc.property(
        boolCellText,
        counter.count('boolean cells', (v: string) => {
          const r = parsesOrClearError(() => ({ windows: boolCell({ 'User Principal Name': 'a@b.example', Windows: v }, 'Windows') }), ['graph-error']);
          const t = v.trim().toLowerCase();
          if (['true', 'yes', '1'].includes(t)) expect(r.ok && r.value.windows).toBe(true);
          else if (['false', 'no', '0'].includes(t)) expect(r.ok && r.value.windows === false).toBe(true);
          else if (t === '') expect(r.ok && r.value.windows === null).toBe(true);
          else expect(!r.ok && r.error.message.includes('"Windows"')).toBe(true);
        }),
      ),
      fuzzParams(),
    );
  });
});
