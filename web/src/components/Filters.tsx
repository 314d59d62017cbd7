import type { ReactNode } from 'react';
import { replaceParams } from '../hooks';

interface SelectProps {
  id: string;
  label: string;
  /** The route parameter the select sets; "Any" removes it. */
  param: string;
  value: string;
  options: readonly string[];
  optionLabel?(value: string, index: number): ReactNode;
  /** Other route parameters to set along with it. */
  also?: Record<string, string | undefined>;
}

/** A filter field: a select of `options` after "Any", kept in the route. */
export function ParamSelect({ id, label, param, value, options, optionLabel, also }: SelectProps) {
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select id={id} value={value} onChange={(e) => replaceParams({ [param]: e.target.value || undefined, ...also })}>
        <option value="">Any</option>
        {options.map((o, i) => (
          <option key={o} value={o}>
            {optionLabel ? optionLabel(o, i) : o}
          </option>
        ))}
      </select>
    </div>
  );
}

interface ChipProps {
  param: string;
  value: string;
  /** The parameter's value in the route now. */
  current: string;
  title: string;
  count: number;
  countTestId: string;
  children: ReactNode;
}

/** A count that filters by its value when pressed, and stops filtering when pressed again. */
export function ParamChip({ param, value, current, title, count, countTestId, children }: ChipProps) {
  return (
    <li>
      <button type="button" className="count-chip" aria-pressed={current === value} onClick={() => replaceParams({ [param]: current === value ? undefined : value })} title={title}>
        {children} <span data-testid={countTestId}>{count}</span>
      </button>
    </li>
  );
}
