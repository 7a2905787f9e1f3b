/**
 * ColumnBuilder: turns results into column arrays as they stream in, so a
 * DataFrame is built once from columns, never from a second array of row
 * objects. Columns appear in order of first appearance; a row without a
 * column gets null there, as danfojs expects for a missing value.
 */
import { RowShape, VALUE_COLUMN } from "./row-shape";

export class ColumnBuilder {
  private readonly columns = new Map<string, unknown[]>();
  private readonly shape: RowShape;
  private rows = 0;

  /**
   * @param selected only these columns, in this order (others are ignored)
   */
  constructor(
    who: string,
    private readonly selected?: readonly string[],
  ) {
    this.shape = new RowShape(who);
    for (const name of selected ?? []) this.columns.set(name, []);
  }

  add(item: unknown): void {
    const row = this.rows++;
    if (!this.shape.check(item, row)) {
      this.put(VALUE_COLUMN, item, row);
      return;
    }
    const record = item as Record<string, unknown>;
    if (this.selected) {
      for (const name of this.selected) if (name in record) this.put(name, record[name], row);
      return;
    }
    for (const name in record) if (Object.hasOwn(record, name)) this.put(name, record[name], row);
  }

  private put(name: string, value: unknown, row: number): void {
    let column = this.columns.get(name);
    if (!column) {
      if (this.selected) return;
      column = [];
      this.columns.set(name, column);
    }
    // Rows that lacked this column get null; padding happens only when a gap appears.
    while (column.length < row) column.push(null);
    column.push(value === undefined ? null : value);
  }

  /** The columns, each padded to the row count. */
  finish(): { names: string[]; columns: unknown[][]; rows: number } {
    const names = [...this.columns.keys()];
    const columns = names.map((name) => {
      const column = this.columns.get(name)!;
      while (column.length < this.rows) column.push(null);
      return column;
    });
    return { names, columns, rows: this.rows };
  }
}
