import type { ReactNode } from 'react';
import { ApiError } from '../api';

export function Loading({ what }: { what: string }) {
  return (
    <div className="loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" /> Loading {what}…
    </div>
  );
}

export function ErrorBox({ error, what }: { error: Error; what: string }) {
  const code = error instanceof ApiError ? error.code : undefined;
  const status = error instanceof ApiError && error.status ? ` (HTTP ${error.status})` : '';
  return (
    <div className="error-box" role="alert">
      <strong>Could not load {what}{status}.</strong> {code ? <code>{code}</code> : null} {error.message}
    </div>
  );
}

/** Loading / error / content for one async value. */
export function Async<T>({ state, what, children }: { state: { data: T | undefined; error: Error | undefined; loading: boolean }; what: string; children: (data: T) => ReactNode }) {
  if (state.error) return <ErrorBox error={state.error} what={what} />;
  if (state.data === undefined) return <Loading what={what} />;
  return <>{children(state.data)}</>;
}

export function Empty({ children }: { children: ReactNode }) {
  return <p className="empty">{children}</p>;
}

/** Under an error from a tenant-wide route: a 403 means the token's scope is not the tenant root. */
export function TenantScopeHint({ error }: { error: Error | undefined }) {
  if (!(error instanceof ApiError) || error.status !== 403) return null;
  return <p className="help">This page reads the whole estate: it needs a token whose scope is the tenant root (<code>/</code>), for example <code>palisade token create --role Reader --scope /</code>.</p>;
}
