import { useId, useState } from 'react';
import { createExemption } from '../api';
import { resourceGroupOf, resourceName } from '../format';
import { assessedResourceId, exemptionTarget, type Recommendation } from '../model';
import type { Assessment } from '../types';
import { FormDialog, useSubmit } from './FormDialog';

interface Props {
  assessment: Assessment;
  recommendation: Recommendation;
  subscriptionId: string;
  onClose(): void;
  onCreated(name: string): void;
}

/** ARM exemption names: at most 64 characters, none of `<>*%&:\?.+/` and no trailing space or dot. */
export function exemptionName(rec: Recommendation, resourceId: string): string {
  const base = `exempt-${rec.key.slice(0, 8)}-${resourceName(resourceId)}`.replace(/[<>*%&:\\?.+/\s]/g, '-');
  return base.slice(0, 64).replace(/[-.\s]+$/, '');
}

/**
 * A policy exemption for one unhealthy (recommendation, resource): the assessment's MCSB assignment
 * (`additionalData.policyAssignmentIds`) limited to the recommendation's policy reference in the initiative
 * (`additionalData.policyDefinitionReferenceId`), at the resource, its resource group or the subscription.
 */
export function ExemptionDialog({ assessment, recommendation, subscriptionId, onClose, onCreated }: Props) {
  const id = useId();
  const rid = assessedResourceId(assessment);
  const target = exemptionTarget(assessment);
  const rg = resourceGroupOf(rid);
  const scopes: Array<{ value: string; label: string }> = [{ value: rid, label: `This resource (${resourceName(rid)})` }];
  if (rg && rid.toLowerCase() !== `/subscriptions/${subscriptionId}/resourceGroups/${rg}`.toLowerCase())
    scopes.push({ value: `/subscriptions/${subscriptionId}/resourceGroups/${rg}`, label: `Resource group ${rg}` });
  if (rid.toLowerCase() !== `/subscriptions/${subscriptionId}`.toLowerCase()) scopes.push({ value: `/subscriptions/${subscriptionId}`, label: 'The whole subscription' });

  const [name, setName] = useState(() => exemptionName(recommendation, rid));
  const [scope, setScope] = useState(scopes[0].value);
  const [category, setCategory] = useState<'Waiver' | 'Mitigated'>('Waiver');
  const [assignment, setAssignment] = useState(target.policyAssignmentIds[0]);
  const [displayName, setDisplayName] = useState(`${recommendation.displayName} – ${resourceName(rid)}`.slice(0, 128));
  const [description, setDescription] = useState('');
  const [expires, setExpires] = useState('');
  const { busy, error, setError, run } = useSubmit();

  function submit() {
    if (!name.trim()) {
      setError('Enter a name.');
      return;
    }
    void run(async () => {
      await createExemption(scope, name.trim(), {
        policyAssignmentId: assignment,
        exemptionCategory: category,
        displayName: displayName.trim() || undefined,
        description: description.trim() || undefined,
        expiresOn: expires ? `${expires}T00:00:00Z` : undefined,
        policyDefinitionReferenceIds: target.referenceId ? [target.referenceId] : undefined,
      });
      onCreated(name.trim());
    });
  }

  return (
    <FormDialog
      id={id}
      title="Create an exemption"
      testId="exemption-dialog"
      errorTestId="exemption-error"
      busy={busy}
      error={error}
      submitLabel="Create exemption"
      onSubmit={submit}
      onClose={onClose}
    >
      <p className="help">
        Exempts <strong>{resourceName(rid)}</strong> from “{recommendation.displayName}”. An exempt resource counts as not applicable in the secure
        score.
      </p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} maxLength={64} onChange={(e) => setName(e.target.value)} required />
      </div>
      <fieldset className="field">
        <legend>Scope</legend>
        {scopes.map((s) => (
          <label key={s.value} className="radio">
            <input type="radio" name={`${id}-scope`} value={s.value} checked={scope === s.value} onChange={() => setScope(s.value)} /> {s.label}
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>Category</legend>
        <label className="radio">
          <input type="radio" name={`${id}-cat`} checked={category === 'Waiver'} onChange={() => setCategory('Waiver')} /> Waiver (risk accepted)
        </label>
        <label className="radio">
          <input type="radio" name={`${id}-cat`} checked={category === 'Mitigated'} onChange={() => setCategory('Mitigated')} /> Mitigated (handled another way)
        </label>
      </fieldset>
      {target.policyAssignmentIds.length > 1 ? (
        <div className="field">
          <label htmlFor={`${id}-asg`}>Policy assignment</label>
          <select id={`${id}-asg`} value={assignment} onChange={(e) => setAssignment(e.target.value)}>
            {target.policyAssignmentIds.map((a) => (
              <option key={a} value={a}>
                {a}
              </option>
            ))}
          </select>
        </div>
      ) : (
        <p className="help">
          Policy assignment: <code>{assignment}</code>
        </p>
      )}
      <p className="help">
        Policy reference: <code>{target.referenceId ?? 'all policies of the assignment'}</code>
      </p>
      <div className="field">
        <label htmlFor={`${id}-dn`}>Display name</label>
        <input id={`${id}-dn`} value={displayName} maxLength={128} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-desc`}>Justification</label>
        <textarea id={`${id}-desc`} rows={3} value={description} maxLength={512} onChange={(e) => setDescription(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-exp`}>Expires on (optional, UTC)</label>
        <input id={`${id}-exp`} type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </div>
    </FormDialog>
  );
}
