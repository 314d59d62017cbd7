import type { Sort } from '../hooks';

interface Props<K extends string> {
  sort: Sort<K>;
  k: K;
  label: string;
  numeric?: boolean;
}

/** A sortable column header: a button, with aria-sort on the cell. */
export function SortHeader<K extends string>({ sort, k, label, numeric }: Props<K>) {
  const active = sort.key === k;
  return (
    <th scope="col" aria-sort={active ? (sort.dir === 'asc' ? 'ascending' : 'descending') : 'none'} className={numeric ? 'num' : undefined}>
      <button type="button" className="sort" onClick={() => sort.toggle(k)}>
        {label}
        <span aria-hidden="true" className="sort-mark">{active ? (sort.dir === 'asc' ? '▲' : '▼') : '↕'}</span>
      </button>
    </th>
  );
}
