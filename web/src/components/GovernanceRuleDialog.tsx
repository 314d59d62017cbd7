import { useId, useState } from 'react';
import { createGovernanceRule } from '../api';
import type { GovernanceRule, Subscription } from '../types';
import { FormDialog, useSubmit } from './FormDialog';
import { ruleScope } from './GovernanceRules';

interface Props {
  subscription: Subscription;
  rules: GovernanceRule[];
  onClose(): void;
  onCreated(name: string): void;
}

const SEVERITIES = ['High', 'Medium', 'Low'] as const;
/** The remediation timeframes the server accepts (days). */
const TIMEFRAMES = [7, 14, 30, 90] as const;

/**
 * A governance rule at the subscription: recommendations of the chosen severities get an owner (an email, or a
 * resource tag's value) and a due date; the rule is run at once so its assignments appear.
 */
export function GovernanceRuleDialog({ subscription, rules, onClose, onCreated }: Props) {
  const id = useId();
  const scope = `/subscriptions/${subscription.subscriptionId}`;
  // a PUT to an existing name would replace that rule: names taken at this subscription are refused here
  const taken = new Set(rules.filter((r) => ruleScope(r).toLowerCase() === scope.toLowerCase()).map((r) => r.name.toLowerCase()));
  const [name, setName] = useState(() => {
    let n = 1;
    while (taken.has(`rule-${n}`)) n++;
    return `rule-${n}`;
  });
  const [displayName, setDisplayName] = useState('High severity recommendations');
  const [priority, setPriority] = useState(() => String(Math.min(1000, Math.max(0, ...rules.map((r) => r.properties.rulePriority)) + 10)));
  const [severities, setSeverities] = useState<string[]>(['High']);
  const [ownerType, setOwnerType] = useState<'Manually' | 'ByTag'>('Manually');
  const [owner, setOwner] = useState('');
  const [days, setDays] = useState(30);
  const [grace, setGrace] = useState(true);
  const { busy, error, setError, run } = useSubmit();

  function submit() {
    if (taken.has(name.trim().toLowerCase())) return setError(`This subscription already has a rule named '${name.trim()}': choose another name.`);
    if (!severities.length) return setError('Choose at least one severity.');
    if (!owner.trim()) return setError(ownerType === 'Manually' ? "Enter the owner's email." : 'Enter the tag that names the owner.');
    void run(async () => {
      await createGovernanceRule(scope, name.trim(), {
        displayName: displayName.trim() || name.trim(),
        rulePriority: Number(priority),
        ruleType: 'Integrated',
        sourceResourceType: 'Assessments',
        remediationTimeframe: `${days}.00:00:00`,
        isGracePeriod: grace,
        ownerSource: { type: ownerType, value: owner.trim() },
        conditionSets: [{ conditions: [{ property: '$.Severity', value: JSON.stringify(severities), operator: 'In' }] }],
      });
      onCreated(name.trim());
    });
  }

  return (
    <FormDialog
      id={id}
      title="New governance rule"
      testId="gov-rule-dialog"
      errorTestId="gov-rule-error"
      busy={busy}
      error={error}
      submitLabel="Create rule"
      onSubmit={submit}
      onClose={onClose}
    >
      <p className="help">
        At subscription <strong>{subscription.displayName}</strong>. Unhealthy recommendations that match get an owner and a due date.
      </p>
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={name} maxLength={128} onChange={(e) => setName(e.target.value)} required />
      </div>
      <div className="field">
        <label htmlFor={`${id}-dn`}>Display name</label>
        <input id={`${id}-dn`} value={displayName} maxLength={128} onChange={(e) => setDisplayName(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={`${id}-prio`}>Priority (0–1000, lower runs first)</label>
        <input id={`${id}-prio`} type="number" min={0} max={1000} step={1} value={priority} onChange={(e) => setPriority(e.target.value)} required />
      </div>
      <fieldset className="field inline-choices">
        <legend>Severities</legend>
        {SEVERITIES.map((s) => (
          <label key={s} className="radio">
            <input
              type="checkbox"
              checked={severities.includes(s)}
              onChange={(e) => setSeverities((cur) => (e.target.checked ? SEVERITIES.filter((x) => x === s || cur.includes(x)) : cur.filter((x) => x !== s)))}
            />{' '}
            {s}
          </label>
        ))}
      </fieldset>
      <fieldset className="field inline-choices">
        <legend>Owner</legend>
        <label className="radio">
          <input type="radio" name={`${id}-os`} checked={ownerType === 'Manually'} onChange={() => setOwnerType('Manually')} /> A person (email)
        </label>
        <label className="radio">
          <input type="radio" name={`${id}-os`} checked={ownerType === 'ByTag'} onChange={() => setOwnerType('ByTag')} /> The value of a resource tag
        </label>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-owner`}>{ownerType === 'Manually' ? 'Owner email' : 'Tag name'}</label>
        <input
          id={`${id}-owner`}
          type={ownerType === 'Manually' ? 'email' : 'text'}
          value={owner}
          placeholder={ownerType === 'Manually' ? 'owner@contoso.com' : 'owner'}
          onChange={(e) => setOwner(e.target.value)}
          required
        />
      </div>
      <div className="field">
        <label htmlFor={`${id}-days`}>Remediation timeframe</label>
        <select id={`${id}-days`} value={days} onChange={(e) => setDays(Number(e.target.value))}>
          {TIMEFRAMES.map((d) => (
            <option key={d} value={d}>
              {d} days
            </option>
          ))}
        </select>
      </div>
      <label className="radio">
        <input type="checkbox" checked={grace} onChange={(e) => setGrace(e.target.checked)} /> Grace period (the secure score is not lowered until the due date)
      </label>
    </FormDialog>
  );
}
