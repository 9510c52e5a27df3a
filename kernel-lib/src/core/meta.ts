/**
 * Metadata (units, kind, analysis options) attached to the arquero tables deltak returns.
 * arquero tables have no metadata slot, so it is kept beside them, keyed by the table object;
 * a table derived with an arquero verb is a new object and carries none.
 */
import type { ColumnTable } from 'arquero';

/** What a deltak table is and the units of its columns. */
export interface TableMeta {
  /** The table's role, e.g. "sweep", "thresholds", "mad-summary". */
  kind: string;
  /**
   * Unit of each column that has one fixed unit (e.g. dk → "Å⁻¹"). A column whose unit varies
   * by row (property values) names the column that holds the unit: "from column unit".
   */
  units: Record<string, string>;
  /** Free-form notes: analysis options, conventions. */
  notes?: Record<string, unknown>;
}

const registry = new WeakMap<object, TableMeta>();

/** Attach `meta` to `table` and return the table. */
export function withMeta<T extends ColumnTable>(table: T, meta: TableMeta): T {
  registry.set(table, meta);
  return table;
}

/** The metadata deltak attached to `table`, or undefined for a table deltak did not make. */
export function tableMeta(table: ColumnTable): TableMeta | undefined {
  return registry.get(table);
}
