import type { ReactNode } from 'react';

export type Column = string | { label: ReactNode; numeric?: boolean };

/** A header row of plain (unsortable) columns. */
export function TableHead({ columns }: { columns: readonly Column[] }) {
  return (
    <thead>
      <tr>
        {columns.map((c, i) =>
          typeof c === 'string' ? (
            <th key={i} scope="col">
              {c}
            </th>
          ) : (
            <th key={i} scope="col" className={c.numeric ? 'num' : undefined}>
              {c.label}
            </th>
          ),
        )}
      </tr>
    </thead>
  );
}

/** "Showing N of M" with a button that shows them all, when rows were held back. */
export function MoreRows({ limit, total, onShowAll }: { limit: number; total: number; onShowAll(): void }) {
  if (total <= limit) return null;
  return (
    <p className="more">
      Showing {limit} of {total}.{' '}
      <button type="button" onClick={onShowAll}>
        Show all {total}
      </button>
    </p>
  );
}

export function numeric(label: string): Column {
  return { label, numeric: true };
}
