import { useState, type FormEvent } from 'react';
import { ApiError, whoami } from '../api';
import type { WhoAmI } from '../types';

interface Props {
  onSignedIn(token: string, who: WhoAmI): void;
  notice?: string;
}

export function SignIn({ onSignedIn, notice }: Props) {
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const t = token.trim();
    if (!t) {
      setError('Enter an access token.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const who = await whoami(t);
      onSignedIn(t, who);
    } catch (err) {
      if (err instanceof ApiError && (err.status === 401 || err.status === 403)) setError(`The token was not accepted: ${err.message}`);
      else setError(err instanceof Error ? err.message : String(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="signin" id="main">
      <form className="signin-card" onSubmit={submit} aria-labelledby="signin-title" noValidate>
        <h1 id="signin-title">
          <span className="brand-mark" aria-hidden="true">▰</span> Palisade
        </h1>
        <p className="muted">Cloud security posture for Azure. Sign in with an access token.</p>
        {notice ? (
          <p className="notice" role="status">
            {notice}
          </p>
        ) : null}
        <label htmlFor="token">Access token</label>
        <input
          id="token"
          name="token"
          type="password"
          autoComplete="off"
          spellCheck={false}
          value={token}
          onChange={(e) => setToken(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={error ? 'signin-error token-help' : 'token-help'}
          autoFocus
        />
        <p id="token-help" className="help">
          Create one with <code>palisade token create --role SecurityReader --scope /subscriptions/…</code>
        </p>
        {error ? (
          <p id="signin-error" className="error-box" role="alert" data-testid="signin-error">
            {error}
          </p>
        ) : null}
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
