/** `palisade security assessment-metadata create|delete` and `security assessment create|delete` (customer-managed). */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli } from './helpers.js';
import { NOW, sampleStore, type Manifest } from '../api/helpers.js';

let store: string;
let manifest: Manifest;
let sub: string;

async function cli(...args: string[]) {
  return runCli([...args, '--store', store, '--subscription', sub], { PALISADE_NOW: NOW });
}

beforeAll(async () => {
  ({ store, manifest } = await sampleStore('palisade-custom-assessments-'));
  sub = manifest.scenario.busiestSubscriptionIds[0];
}, 180_000);

describe('customer-managed assessments from the CLI', () => {
  const key = '0d1c2b3a-4f5e-4a6b-9c8d-7e6f5a4b3c2d';

  it('creates metadata, reports a status, lists and shows it; a second report keeps the first evaluation date', async () => {
    const meta = await cli('security', 'assessment-metadata', 'create', '-n', key, '--display-name', 'Quarterly access review done', '--severity', 'High', '--description', 'Our own control');
    expect(meta.code, meta.stderr).toBe(0);
    expect(JSON.parse(meta.stdout)).toMatchObject({ id: `/subscriptions/${sub}/providers/Microsoft.Security/assessmentMetadata/${key}`, properties: { assessmentType: 'CustomerManaged', severity: 'High' } });
    const first = await cli('security', 'assessment', 'create', '-n', key, '--status-code', 'Unhealthy', '--cause', 'Overdue', '--additional-data', '{"ticket":"SEC-42"}');
    expect(first.code, first.stderr).toBe(0);
    const a = JSON.parse(first.stdout);
    expect(a).toMatchObject({ name: key, properties: { displayName: 'Quarterly access review done', status: { code: 'Unhealthy', cause: 'Overdue' }, additionalData: { ticket: 'SEC-42' } } });
    const listed = JSON.parse((await cli('security', 'assessment', 'list', '--status', 'Unhealthy')).stdout).value;
    expect(listed.filter((x: any) => x.name === key)).toHaveLength(1);
    const again = JSON.parse((await runCli(['security', 'assessment', 'create', '-n', key, '--status-code', 'Healthy', '--store', store, '--subscription', sub], { PALISADE_NOW: '2026-10-01T00:00:00Z' })).stdout);
    expect(again.properties.status.firstEvaluationDate).toBe(a.properties.status.firstEvaluationDate);
    expect(again.properties.status.statusChangeDate).toBe('2026-10-01T00:00:00.000Z');
    const shown = JSON.parse((await cli('security', 'assessment', 'show', '-n', key, '--expand', 'metadata')).stdout);
    expect(shown.properties.metadata).toMatchObject({ displayName: 'Quarterly access review done' });
  });

  it('refuses built-in keys, unknown keys and bad severities with coded errors', async () => {
    const builtIn = JSON.parse((await cli('security', 'assessment-metadata', 'list', '--query', 'value[0].name')).stdout);
    const r1 = await cli('security', 'assessment', 'create', '-n', builtIn, '--status-code', 'Healthy');
    expect(r1.code).toBe(1);
    expect(r1.stderr).toContain('BuiltInAssessmentReadOnly');
    const r2 = await cli('security', 'assessment', 'create', '-n', 'no-such-metadata', '--status-code', 'Healthy');
    expect(r2.code).toBe(3);
    const r3 = await cli('security', 'assessment-metadata', 'create', '-n', builtIn, '--display-name', 'x', '--severity', 'Low');
    expect(r3.stderr).toContain('AssessmentMetadataConflict');
  });

  it('delete removes the metadata and its assessments', async () => {
    expect((await cli('security', 'assessment-metadata', 'delete', '-n', key)).code).toBe(0);
    expect((await cli('security', 'assessment', 'show', '-n', key)).code).toBe(3);
    expect((await cli('security', 'assessment-metadata', 'show', '-n', key)).code).toBe(3);
  });
});
