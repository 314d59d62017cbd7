import { useMemo } from 'react';
import { listResources } from '../api';
import { Chart } from '../components/Chart';
import { ParamSelect } from '../components/Filters';
import { SortHeader } from '../components/SortHeader';
import { Async, Empty } from '../components/Status';
import type { ChartOption } from '../echarts';
import { fmtInt } from '../format';
import { replaceParams, sortBy, useAsync, useRouteSort } from '../hooks';
import type { GenericResource } from '../types';
import type { PageProps } from '../App';

const PAGE_SIZE = 50;
const SORT_KEYS = ['name', 'type', 'group', 'location'] as const;
type SortKey = (typeof SORT_KEYS)[number];
/** A filter change goes back to the first page. */
const FIRST_PAGE = { page: undefined };

export function Inventory({ subscription, params }: PageProps) {
  const sub = subscription.subscriptionId;
  const resources = useAsync(() => listResources(sub), [sub]);
  return (
    <div className="page">
      <h1>Inventory</h1>
      <Async state={resources} what="resources">
        {(list) => <InventoryView list={list} params={params} />}
      </Async>
    </div>
  );
}

function InventoryView({ list, params }: { list: GenericResource[]; params: Record<string, string> }) {
  const q = params.q ?? '';
  const type = params.type ?? '';
  const group = params.group ?? '';
  const location = params.location ?? '';
  const sort = useRouteSort<SortKey>(params, SORT_KEYS, 'name', 'asc');

  const byType = useMemo(() => {
    const m = new Map<string, number>();
    for (const r of list) m.set(r.type, (m.get(r.type) ?? 0) + 1);
    return [...m.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  }, [list]);
  const groups = useMemo(() => [...new Set(list.map((r) => r.resourceGroup ?? '').filter(Boolean))].sort((a, b) => a.localeCompare(b)), [list]);
  const locations = useMemo(() => [...new Set(list.map((r) => r.location ?? '').filter(Boolean))].sort(), [list]);

  const rows = useMemo(() => {
    const needle = q.trim().toLowerCase();
    const f = list.filter(
      (r) =>
        (!needle || r.name.toLowerCase().includes(needle) || r.id.toLowerCase().includes(needle)) &&
        (!type || r.type === type) &&
        (!group || r.resourceGroup === group) &&
        (!location || r.location === location),
    );
    const v: Record<SortKey, (r: GenericResource) => unknown> = {
      name: (r) => r.name,
      type: (r) => r.type,
      group: (r) => r.resourceGroup ?? '',
      location: (r) => r.location ?? '',
    };
    return sortBy(f, v[sort.key], sort.dir);
  }, [list, q, type, group, location, sort.key, sort.dir]);

  const pages = Math.max(1, Math.ceil(rows.length / PAGE_SIZE));
  const page = Math.min(pages, Math.max(1, Number(params.page) || 1));
  const shown = rows.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);

  const top = byType.slice(0, 10).reverse();
  const option = useMemo<ChartOption>(
    () => ({
      grid: { left: 260, right: 40, top: 8, bottom: 24 },
      tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
      xAxis: { type: 'value', minInterval: 1 },
      yAxis: { type: 'category', data: top.map((t) => t[0]), axisLabel: { width: 250, overflow: 'truncate' } },
      series: [{ type: 'bar', data: top.map((t) => t[1]), itemStyle: { color: '#1f5fbf' }, barMaxWidth: 16, label: { show: true, position: 'right' } }],
    }),
    [byType],
  );

  return (
    <>
      <p className="summary">
        <span data-testid="inv-total">{fmtInt(list.length)}</span> resources of <span data-testid="inv-types">{byType.length}</span> types in {groups.length} resource groups.
      </p>
      {list.length ? <Chart option={option} label={`Resources by type: ${byType.slice(0, 12).map((t) => `${t[0]} ${t[1]}`).join(', ')}`} height={top.length * 22 + 40} testId="inv-chart" /> : null}
      <form className="filters" role="search" aria-label="Filter resources" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor="inv-q">Search</label>
          <input id="inv-q" type="search" value={q} placeholder="Name or id" onChange={(e) => replaceParams({ q: e.target.value || undefined, page: undefined })} />
        </div>
        <ParamSelect
          id="inv-type"
          label="Type"
          param="type"
          value={type}
          options={byType.map(([t]) => t)}
          optionLabel={(t, i) => `${t} (${byType[i][1]})`}
          also={FIRST_PAGE}
        />
        <ParamSelect id="inv-group" label="Resource group" param="group" value={group} options={groups} also={FIRST_PAGE} />
        <ParamSelect id="inv-loc" label="Location" param="location" value={location} options={locations} also={FIRST_PAGE} />
        <p className="field-count" aria-live="polite">
          <span data-testid="inv-shown">{fmtInt(rows.length)}</span> {rows.length === 1 ? 'matches' : 'match'}
        </p>
      </form>
      {rows.length ? (
        <>
          <div className="table-wrap">
            <table className="table" data-testid="inventory-table">
              <thead>
                <tr>
                  <SortHeader sort={sort} k="name" label="Name" />
                  <SortHeader sort={sort} k="type" label="Type" />
                  <SortHeader sort={sort} k="group" label="Resource group" />
                  <SortHeader sort={sort} k="location" label="Location" />
                  <th scope="col">Tags</th>
                </tr>
              </thead>
              <tbody>
                {shown.map((r) => (
                  <tr key={r.id}>
                    <td title={r.id} className="nowrap">
                      {r.name}
                    </td>
                    <td>{r.type}</td>
                    <td>{r.resourceGroup ?? '–'}</td>
                    <td>{r.location ?? '–'}</td>
                    <td className="tags">
                      {r.tags ? <Tags tags={r.tags} /> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <nav className="pager" aria-label="Pages of resources">
            <button type="button" disabled={page <= 1} onClick={() => replaceParams({ page: String(page - 1) })}>
              Previous
            </button>
            <span aria-live="polite">
              Page {page} of {pages}
            </span>
            <button type="button" disabled={page >= pages} onClick={() => replaceParams({ page: String(page + 1) })}>
              Next
            </button>
          </nav>
        </>
      ) : (
        <Empty>No resource matches the filters.</Empty>
      )}
    </>
  );
}

function Tags({ tags }: { tags: Record<string, string> }) {
  const all = Object.entries(tags)
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return (
    <span className="tag-text" title={all}>
      {all}
    </span>
  );
}
