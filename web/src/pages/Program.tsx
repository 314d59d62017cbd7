import { scoreHistory, verifyProgram } from '../api';
import { CopyCode } from '../components/CopyCode';
import { ScoreTrend } from '../components/ScoreTrend';
import { Async, TenantScopeHint } from '../components/Status';
import { resourceName } from '../format';
import { useAsync } from '../hooks';
import type { CheckStatus, VerifyCheck, VerifyResult } from '../types';
import type { PageProps } from '../App';

const BADGE: Record<CheckStatus, string> = { pass: 'PASS', fail: 'FAIL', warn: 'WARN' };

export function Program({ subscription, refresh }: PageProps) {
  const sub = subscription.subscriptionId;
  const verify = useAsync(() => verifyProgram(), []);
  const history = useAsync(() => scoreHistory(sub), [sub]);

  return (
    <div className="page">
      <h1>Program</h1>
      <p className="muted">Is the security program wired, not just toggled? The checks of <code>palisade verify</code>, with the commands that fix what fails.</p>
      <div className="grid overview-grid">
        <section className="card" aria-labelledby="pg-verify">
          <h2 id="pg-verify">Verification</h2>
          <Async state={verify} what="the program checks (this takes a few seconds)">
            {(v) => <VerifySummary result={v} reloading={verify.loading} rerun={refresh} />}
          </Async>
          <TenantScopeHint error={verify.error} />
        </section>
        <section className="card" aria-labelledby="pg-trend">
          <h2 id="pg-trend">Secure score trend</h2>
          <p className="help">{subscription.displayName}: one point per saved scan.</p>
          <Async state={history} what="the score history">
            {(h) => <ScoreTrend points={h} testId="program-trend" />}
          </Async>
        </section>
      </div>
      {verify.data ? <Checks checks={verify.data.checks} /> : null}
    </div>
  );
}

function VerifySummary({ result, reloading, rerun }: { result: VerifyResult; reloading: boolean; rerun(): void }) {
  const count = (s: CheckStatus) => result.checks.filter((c) => c.status === s).length;
  return (
    <>
      <p className="stat">
        <span className={`check-badge big check-${result.passed ? 'pass' : 'fail'}`} data-testid="verify-overall">
          {result.passed ? 'PASS' : 'FAIL'}
        </span>{' '}
        {result.passed ? 'The program is wired.' : 'The program is toggled, not wired.'}
      </p>
      <ul className="risk-counts" aria-label="Checks by result">
        <li>
          <strong data-testid="verify-total">{result.checks.length}</strong> checks
        </li>
        {(['pass', 'fail', 'warn'] as const).map((s) => (
          <li key={s}>
            <span className={`check-badge check-${s}`}>{BADGE[s]}</span> <span data-testid={`verify-${s}`}>{count(s)}</span>
          </li>
        ))}
      </ul>
      <p className="help">
        Management group <code title={result.managementGroupId}>{resourceName(result.managementGroupId)}</code>
      </p>
      <button type="button" onClick={rerun} disabled={reloading}>
        {reloading ? 'Verifying…' : 'Verify again'}
      </button>
    </>
  );
}

function Checks({ checks }: { checks: VerifyCheck[] }) {
  // failures first, then warnings, then passes; the server's order within each
  const order: Record<CheckStatus, number> = { fail: 0, warn: 1, pass: 2 };
  const sorted = [...checks].sort((a, b) => order[a.status] - order[b.status]);
  return (
    <section className="section" aria-labelledby="pg-checks">
      <h2 id="pg-checks">Checks</h2>
      <ol className="checks" data-testid="verify-checks">
        {sorted.map((c) => (
          <li key={c.id} className={`card check check-${c.status}`} data-check={c.id} data-status={c.status}>
            <h3 id={`check-${c.id}`}>
              <span className={`check-badge check-${c.status}`} data-testid="check-status">
                {BADGE[c.status]}
              </span>{' '}
              {c.title}
            </h3>
            <p data-testid="check-summary">{c.summary}</p>
            {c.fix.length ? (
              <div aria-label={`How to fix: ${c.title}`} role="group">
                <h4>Fix</h4>
                {c.fix.map((cmd, i) => (
                  <CopyCode key={i} text={cmd} />
                ))}
              </div>
            ) : null}
            {Object.keys(c.evidence).length ? (
              <details>
                <summary>Evidence</summary>
                <pre className="evidence">{JSON.stringify(c.evidence, null, 2)}</pre>
              </details>
            ) : null}
          </li>
        ))}
      </ol>
    </section>
  );
}
