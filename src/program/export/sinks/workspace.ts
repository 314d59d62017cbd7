/**
 * Workspace actions: rows into the store's workspace tables. `_ItemId` is the record's idempotency key and
 * (`_WorkspaceResourceId`, `_ItemId`) the primary key, so a redelivered row is skipped. `TenantId` ("the Log Analytics
 * workspace ID", a GUID) is a UUID v5 of the lower-cased workspace resource id; `_BilledSize` the row's JSON size in
 * bytes. A batch that fails as a whole because one row is invalid is retried row by row, so only that row dead-letters.
 */
import { isPalisadeError } from '../../../core/index.js';
import { uuidV5 } from '../../../catalog/index.js';
import { workspaceTable, type OutboxItem, type Store } from '../../../store/index.js';
import type { WorkspaceAction } from '../automation.js';
import { allOutcomes, type Sink, type SinkOutcome } from './sink.js';

/** Namespace of the workspace ids Palisade derives (UUID v5). */
export const WORKSPACE_ID_NAMESPACE = '5f0b7c52-8f7e-4a43-9a55-0b6c2d7e4a10';

export function workspaceCustomerId(workspaceResourceId: string): string {
  return uuidV5(workspaceResourceId.toLowerCase(), WORKSPACE_ID_NAMESPACE);
}

interface WorkspacePayload {
  table: string;
  row: Record<string, unknown>;
}

function rowOf(item: OutboxItem): { table: string; row: Record<string, unknown> } {
  const payload = item.payload as WorkspacePayload;
  const workspace = (item.sink as WorkspaceAction).workspaceResourceId;
  const table = workspaceTable(payload?.table ?? '');
  const row: Record<string, unknown> = { ...(payload?.row ?? {}), _ItemId: item.idempotencyKey, _WorkspaceResourceId: workspace };
  if (table?.columns.some((c) => c.name === 'TenantId')) row.TenantId = workspaceCustomerId(workspace);
  row._BilledSize = 0;
  row._BilledSize = Buffer.byteLength(JSON.stringify(row));
  return { table: payload?.table ?? '', row };
}

export class WorkspaceSink implements Sink {
  constructor(private readonly store: Store) {}

  async deliver(items: readonly OutboxItem[]): Promise<Map<string, SinkOutcome>> {
    const out = new Map<string, SinkOutcome>();
    const byTable = new Map<string, Array<{ item: OutboxItem; row: Record<string, unknown> }>>();
    for (const item of items) {
      const { table, row } = rowOf(item);
      if (!workspaceTable(table)) {
        out.set(item.id, { ok: false, permanent: true, error: `the record names no workspace table ("${table}")` });
        continue;
      }
      const list = byTable.get(table) ?? [];
      list.push({ item, row });
      byTable.set(table, list);
    }
    for (const [table, entries] of byTable) {
      try {
        await this.store.insertWorkspaceRows(table, entries.map((e) => e.row));
        for (const e of entries) out.set(e.item.id, { ok: true });
      } catch (error) {
        if (!isPalisadeError(error) || error.code !== 'WorkspaceRowInvalid' || entries.length === 1) {
          const permanent = isPalisadeError(error) && error.code === 'WorkspaceRowInvalid';
          for (const [id, o] of allOutcomes(entries.map((e) => e.item), { ok: false, permanent, error: `workspace ${table}: ${(error as Error).message}` })) out.set(id, o);
          continue;
        }
        for (const e of entries) {
          try {
            await this.store.insertWorkspaceRows(table, [e.row]);
            out.set(e.item.id, { ok: true });
          } catch (one) {
            const permanent = isPalisadeError(one) && one.code === 'WorkspaceRowInvalid';
            out.set(e.item.id, { ok: false, permanent, error: `workspace ${table}: ${(one as Error).message}` });
          }
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {}
}
