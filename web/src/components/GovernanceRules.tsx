import { fmtTimeframe } from '../format';
import type { GovernanceCondition, GovernanceRule, Subscription } from '../types';
import { numeric, TableHead } from './Table';

/** The scope a rule id is at: `{scope}/providers/Microsoft.Security/governanceRules/{name}`. */
export function ruleScope(rule: GovernanceRule): string {
  const i = rule.id.toLowerCase().indexOf('/providers/microsoft.security/governancerules/');
  return i >= 0 ? rule.id.slice(0, i) : rule.id;
}

function scopeLabel(scope: string, subscription: Subscription): string {
  if (scope.toLowerCase() === `/subscriptions/${subscription.subscriptionId}`.toLowerCase()) return 'This subscription';
  const mg = /\/managementGroups\/([^/]+)$/i.exec(scope);
  if (mg) return `Management group ${mg[1]}`;
  const sub = /^\/subscriptions\/([^/]+)$/i.exec(scope);
  if (sub) return `Subscription ${sub[1].slice(0, 8)}…`;
  return scope;
}

/** `{property: '$.Severity', operator: 'In', value: '["High","Medium"]'}` → "Severity in High, Medium". */
export function conditionText(c: GovernanceCondition): string {
  let values: string = c.value;
  try {
    const v: unknown = JSON.parse(c.value);
    if (Array.isArray(v)) values = v.join(', ');
  } catch {
    /* a plain value */
  }
  return `${c.property.replace(/^\$\./, '')} ${c.operator.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase()} ${values}`;
}

export function GovernanceRules({ rules, subscription }: { rules: GovernanceRule[]; subscription: Subscription }) {
  if (!rules.length) return <p className="empty">No governance rule yet.</p>;
  const sorted = [...rules].sort((a, b) => a.properties.rulePriority - b.properties.rulePriority || a.name.localeCompare(b.name));
  return (
    <div className="table-wrap">
      <table className="table" data-testid="gov-rules">
        <TableHead columns={[numeric('Priority'), 'Rule', 'Scope', 'Owner', 'Timeframe', 'Conditions', 'State']} />
        <tbody>
          {sorted.map((r) => {
            const p = r.properties;
            const scope = ruleScope(r);
            return (
              <tr key={r.id} data-rule={r.name}>
                <td className="num">{p.rulePriority}</td>
                <td>
                  {p.displayName}
                  <div className="muted small">
                    <code>{r.name}</code>
                  </div>
                </td>
                <td title={scope}>{scopeLabel(scope, subscription)}</td>
                <td>{p.ownerSource.type === 'ByTag' ? <>tag <code>{p.ownerSource.value}</code></> : p.ownerSource.value}</td>
                <td className="nowrap">
                  {fmtTimeframe(p.remediationTimeframe)}
                  {p.isGracePeriod ? <span className="tag">grace period</span> : null}
                </td>
                <td>
                  {p.conditionSets.map((set, i) => (
                    <div key={i}>
                      {i > 0 ? <span className="muted">or </span> : null}
                      {set.conditions.map(conditionText).join(' and ')}
                    </div>
                  ))}
                </td>
                <td>{p.isDisabled ? <span className="status status-notapplicable">Disabled</span> : <span className="status status-healthy">Enabled</span>}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
