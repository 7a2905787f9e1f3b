/**
 * apache-arrow Tables and nodejs-polars DataFrames, seen as the frames the
 * DataFrame preview shows (shape, columns, first rows), recognized by their
 * shape without loading either library: a notebook that never makes one
 * never pays for them. Cells become what a person reads: Arrow's timestamps
 * (milliseconds) as ISO dates, its lists and structs as plain arrays and
 * objects, 64-bit integers in full.
 */

/** The frame a preview reads (the shape of dataframe-preview's DataFrameLike). */
export interface PreviewFrame {
  readonly shape: number[];
  readonly columns: string[];
  head(rows?: number): { values: unknown[][]; index: number[] };
}

interface ArrowField {
  name: string;
  type: { typeId: number; unit?: number };
}

interface ArrowTable {
  numRows: number;
  numCols: number;
  batches: unknown[];
  schema: { fields: ArrowField[] };
  getChild(name: string): { get(index: number): unknown } | null;
}

interface PolarsFrame {
  height: number;
  width: number;
  columns: string[];
  getColumn(name: string): unknown;
  toRecords(): Record<string, unknown>[];
  head(rows: number): { toRecords(): Record<string, unknown>[] };
}

/** Arrow's Type ids (apache-arrow's enum Type) of the columns whose values are milliseconds since 1970. */
const ARROW_DATE = 8;
const ARROW_TIMESTAMP = 10;
const ARROW_DAY_UNIT = 0;

function isArrowTable(value: unknown): value is ArrowTable {
  const v = value as Partial<ArrowTable> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.numRows === "number" &&
    typeof v.numCols === "number" &&
    Array.isArray(v.batches) &&
    Array.isArray(v.schema?.fields) &&
    typeof v.getChild === "function"
  );
}

function isPolarsFrame(value: unknown): value is PolarsFrame {
  // A polars DataFrame is a Proxy that answers a column's name with the column: only its methods are asked for.
  const v = value as Partial<PolarsFrame> | null;
  return (
    typeof v === "object" &&
    v !== null &&
    typeof v.getColumn === "function" &&
    typeof v.toRecords === "function" &&
    typeof v.head === "function" &&
    typeof v.height === "number" &&
    typeof v.width === "number" &&
    Array.isArray(v.columns)
  );
}

/** A value that is an Arrow Table or a polars DataFrame, as a frame for the preview and the caption's name for it. */
export function columnarFrame(value: unknown): { frame: PreviewFrame; title: string } | undefined {
  if (isArrowTable(value)) return { frame: arrowFrame(value), title: "Arrow Table" };
  if (isPolarsFrame(value)) return { frame: polarsFrame(value), title: "polars DataFrame" };
  return undefined;
}

function arrowFrame(table: ArrowTable): PreviewFrame {
  const fields = table.schema.fields;
  return {
    shape: [table.numRows, table.numCols],
    columns: fields.map((field) => field.name),
    head(rows = 10) {
      const count = Math.min(rows, table.numRows);
      const columns = fields.map((field) => table.getChild(field.name));
      const values = Array.from({ length: count }, (_, r) => columns.map((column, c) => arrowCell(fields[c]!, column?.get(r))));
      return { values, index: values.map((_, r) => r) };
    },
  };
}

function arrowCell(field: ArrowField, value: unknown): unknown {
  if (typeof value === "number" && (field.type.typeId === ARROW_TIMESTAMP || field.type.typeId === ARROW_DATE)) {
    const iso = new Date(value).toISOString();
    return field.type.typeId === ARROW_DATE && field.type.unit === ARROW_DAY_UNIT ? iso.slice(0, 10) : iso;
  }
  return plain(value);
}

/** Arrow's Vectors (lists) and StructRows as arrays and objects; bigints as their digits. */
function plain(value: unknown): unknown {
  if (typeof value === "bigint") return String(value);
  if (typeof value !== "object" || value === null || value instanceof Date || ArrayBuffer.isView(value)) return value;
  const v = value as { toArray?: () => ArrayLike<unknown>; toJSON?: () => unknown };
  if (Array.isArray(value)) return value.map(plain);
  if (typeof v.toArray === "function" && typeof (value as { length?: unknown }).length === "number") return Array.from(v.toArray(), plain);
  if (typeof v.toJSON === "function") {
    const json = v.toJSON();
    return typeof json === "object" && json !== null ? Object.fromEntries(Object.entries(json).map(([k, x]) => [k, plain(x)])) : json;
  }
  return value;
}

function polarsFrame(frame: PolarsFrame): PreviewFrame {
  const columns = [...frame.columns];
  return {
    shape: [frame.height, frame.width],
    columns,
    head(rows = 10) {
      const records = frame.head(rows).toRecords();
      return { values: records.map((record) => columns.map((name) => record[name])), index: records.map((_, r) => r) };
    },
  };
}
