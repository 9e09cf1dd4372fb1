/** A column of the generic table: how to read one row. */
export interface Column<R> {
  key: string;
  label: string;
  numeric?: boolean;
  value: (row: R) => string | number | null | undefined;
}
