/**
 * The real Kubernetes audit events of the Falco regression traces (shared/data/telemetry/k8s-audit, Apache-2.0) raise
 * the container alerts their names imply, read through the telemetry parser into the engine with the shipped catalog.
 * Each file is replayed into a fresh engine (a fresh store), so every expectation is about that file alone.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTelemetry, type SecurityAlertRecord } from '../../src/protection/index.js';
import { SHARED_DATA } from '../shared-data.js';
import { AKS, alertTypesOf, openEngine, tempStore, type TempStore } from './helpers.js';

const DIR = join(SHARED_DATA, 'telemetry', 'k8s-audit', 'falco-trace-files');
const present = existsSync(DIR);

/** file → the alert types it must raise (and nothing else). */
const EXPECTED: Record<string, string[]> = {
  'anonymous_creates_namespace_foo.json': ['Palisade.K8S_AnonymousRequestAllowed'],
  'attach_cluster_admin_role.json': ['K8S_ClusterAdminBinding'],
  'attach_pod.json': ['Palisade.K8S_ExecIntoPod'],
  'create_cluster_role_pod_exec.json': ['K8S_HighPrivilegesRole'],
  'create_cluster_role_wildcard_resources.json': ['K8S_HighPrivilegesRole'],
  'create_cluster_role_wildcard_verbs.json': ['K8S_HighPrivilegesRole'],
  // delete on non-resource URLs is no high privilege; a get/list reader role is ordinary
  'create_cluster_role_write_privileges.json': [],
  'create_clusterrole.json': [],
  // a binding to system:basic-user, not cluster-admin
  'create_clusterrolebinding.json': [],
  'create_configmap.json': [],
  'create_configmap_no_sensitive_values.json': [],
  'create_configmap_sensitive_values.json': [],
  'create_deployment.json': [],
  'create_kube_system_secret.json': [],
  // host networking alone is not a privileged container
  'create_nginx_pod_hostnetwork.json': [],
  'create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json': ['K8S_PrivilegedContainer'],
  'create_nginx_pod_nohostnetwork.json': [],
  'create_nginx_pod_privileged.json': ['K8S_PrivilegedContainer'],
  'create_nginx_pod_privileged_2nd_container.json': ['K8S_PrivilegedContainer'],
  'create_nginx_pod_sensitive_mount.json': ['K8S_SensitiveMount'],
  'create_nginx_pod_sensitive_mount_2nd_container.json': ['K8S_SensitiveMount'],
  'create_nginx_pod_unprivileged.json': [],
  'create_nginx_pod_unsensitive_mount.json': [],
  // NodePort services are not load balancers; nginx is not a sensitive application
  'create_nginx_service_nodeport.json': [],
  'create_nginx_service_nonodeport.json': [],
  'create_pod_kube_public_namespace.json': [],
  'create_pod_kube_system_namespace.json': [],
  'create_secret.json': [],
  'create_service.json': [],
  'create_service_account_token_secret.json': [],
  'create_serviceaccount.json': [],
  'create_serviceaccount_kube_public_namespace.json': [],
  'create_serviceaccount_kube_system_namespace.json': [],
  'delete_cluster_role_kube_aggregator.json': [],
  'delete_clusterrole.json': [],
  'delete_clusterrolebinding.json': [],
  'delete_configmap.json': [],
  'delete_deployment.json': [],
  'delete_namespace_foo.json': [],
  'delete_secret.json': [],
  'delete_service.json': [],
  'delete_serviceaccount.json': [],
  'exec_pod.json': ['Palisade.K8S_ExecIntoPod'],
  // deliberately malformed: rejected by the parser, never reaches the engine, never stops anything
  'fal_01_003.json': [],
  'minikube_creates_namespace_foo.json': [],
  'modify_cluster_role_node_problem_detector.json': [],
  'some-user_creates_namespace_foo.json': [],
};

describe.skipIf(!present)('Falco Kubernetes audit traces → container alerts', () => {
  let temp: TempStore;
  beforeAll(async () => {
    temp = await tempStore();
  });
  afterAll(async () => temp.dispose());

  it('covers every trace file', () => {
    const files = readdirSync(DIR).filter((f) => f.endsWith('.json'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} raises ${expected.length === 0 ? 'nothing' : expected.join(', ')}`, async () => {
      const stream = readTelemetry(join(DIR, file), { resourceId: AKS });
      const events = await stream.toArray();
      if (file === 'fal_01_003.json') {
        expect(events).toHaveLength(0);
        expect(stream.stats.rejected).toBe(1);
      } else expect(events.length).toBeGreaterThan(0);
      // a fresh engine (and state) per file, on a shared store whose alerts are cleared between files
      for (const d of await temp.store.listDocuments('security-alerts')) await temp.store.deleteDocument('security-alerts', d.key);
      for (const d of await temp.store.listDocuments('detection-state')) await temp.store.deleteDocument('detection-state', d.key);
      const engine = await openEngine(temp.store);
      expect(alertTypesOf(engine, events)).toEqual(expected);
      expect(engine.stats.rejected + engine.stats.errors).toBe(0);
      await engine.close();
    });
  }

  it('a privileged pod alert carries the cluster, namespace, user and image', async () => {
    const events = await readTelemetry(join(DIR, 'create_nginx_pod_privileged.json'), { resourceId: AKS }).toArray();
    const engine = await openEngine(temp.store);
    const changes = events.flatMap((e) => engine.process(e));
    await engine.close();
    const alert = changes.find((c) => c.alert.properties.alertType === 'K8S_PrivilegedContainer')!.alert as SecurityAlertRecord;
    const p = alert.properties;
    expect(p.alertDisplayName).toBe('Privileged container detected');
    expect(p.severity).toBe('Informational');
    expect(p.intent).toBe('PrivilegeEscalation');
    expect(p.productComponentName).toBe('Containers');
    expect(p.compromisedEntity).toBe('aks-prod');
    expect(p.startTimeUtc).toBe('2018-10-25T14:09:12.572Z');
    expect(p.description).toContain('system:serviceaccount:kube-system:replicaset-controller');
    expect(p.description).toContain('namespace default');
    expect(p.techniques).toEqual(['T1611']);
    expect(p.entities).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ type: 'azure-resource', resourceId: AKS }),
        expect.objectContaining({ type: 'K8s-namespace', name: 'default' }),
        expect.objectContaining({ type: 'container-image', imageId: 'nginx' }),
      ]),
    );
    expect(p.extendedProperties).toMatchObject({ Namespace: 'default', Images: 'nginx', Occurrences: '1' });
  });

  it('the whole directory as one time-ordered stream raises the union of the per-file alerts', async () => {
    for (const d of await temp.store.listDocuments('security-alerts')) await temp.store.deleteDocument('security-alerts', d.key);
    for (const d of await temp.store.listDocuments('detection-state')) await temp.store.deleteDocument('detection-state', d.key);
    const stream = readTelemetry(DIR, { resourceId: AKS });
    const engine = await openEngine(temp.store);
    const stats = await engine.ingest(stream);
    await engine.close();
    expect(stream.stats.rejected).toBe(1);
    expect(stats.events).toBe(stream.stats.events);
    const types = new Set((await temp.store.listDocuments<SecurityAlertRecord>('security-alerts')).map((d) => d.body.properties.alertType));
    expect([...types].sort()).toEqual([...new Set(Object.values(EXPECTED).flat())].sort());
  });
});
