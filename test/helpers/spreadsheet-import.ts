/**
 * How a spreadsheet cuts a CSV file into cells, for tests of the export's neutralisation.
 *
 * calcCells follows LibreOffice Calc's text import with its default guesses: `,` `;` and
 * TAB all separate fields at once, a field that starts with `"` runs to the matching
 * closing quote (`""` inside is one quote), text after the closing quote is appended, and
 * CR, LF or CRLF outside quotes end a row. A leading UTF-8 BOM is dropped.
 * naiveCells ignores quotes altogether (an import or a script that splits on separators).
 */
const SEPARATORS = new Set([',', ';', '\t']);

export function calcCells(text: string): string[][] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let i = 0;
  let atFieldStart = true;
  const endCell = () => {
    row.push(cell);
    cell = '';
    atFieldStart = true;
  };
  const endRow = () => {
    endCell();
    rows.push(row);
    row = [];
  };
  while (i < src.length) {
    const ch = src.charAt(i);
    if (atFieldStart && ch === '"') {
      i += 1;
      while (i < src.length) {
        if (src.charAt(i) === '"') {
          if (src.charAt(i + 1) === '"') {
            cell += '"';
            i += 2;
            continue;
          }
          i += 1;
          break;
        }
        cell += src.charAt(i);
        i += 1;
      }
      atFieldStart = false;
      continue;
    }
    atFieldStart = false;
    if (SEPARATORS.has(ch)) {
      endCell();
      i += 1;
    } else if (ch === '\r' || ch === '\n') {
      endRow();
      i += ch === '\r' && src.charAt(i + 1) === '\n' ? 2 : 1;
    } else {
      cell += ch;
      i += 1;
    }
  }
  if (cell !== '' || row.length > 0) endRow();
  return rows;
}

/** Cells of a file split on `,` `;` TAB, CR and LF, quotes ignored (quote characters stay in the cell). */
export function naiveCells(text: string): string[] {
  const src = text.startsWith('\uFEFF') ? text.slice(1) : text;
  return src.split(/[,;\t\r\n]/);
}

/** Characters a spreadsheet looks past before it sees a formula trigger: spaces and zero-width characters. */
const INVISIBLE_LEAD = /^(?:[^\S\t\r\n]|[\u200B-\u200D\u2060\uFEFF\u180E\u00AD])*/u;
const TRIGGERS = new Set(['=', '+', '-', '@', '\uFF1D', '\uFF0B', '\uFF0D', '\uFF20']);

/** Would a spreadsheet read this cell as a formula? */
export function readsAsFormula(cell: string): boolean {
  const rest = cell.replace(INVISIBLE_LEAD, '');
  return rest.length > 0 && TRIGGERS.has(rest.charAt(0));
}
