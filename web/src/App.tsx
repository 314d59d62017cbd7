import { useCallback, useEffect, useRef, useState } from 'react';
import { getToken, invalidate, listSubscriptions, onUnauthorized, setToken, whoami } from './api';
import { ErrorBox, Loading } from './components/Status';
import { EpochContext, parseHash, routeHref, useAsync, useRoute } from './hooks';
import { Alerts } from './pages/Alerts';
import { AttackPaths } from './pages/AttackPaths';
import { Compliance } from './pages/Compliance';
import { Controls } from './pages/Controls';
import { Drift } from './pages/Drift';
import { Governance } from './pages/Governance';
import { Inventory } from './pages/Inventory';
import { Overview } from './pages/Overview';
import { Program } from './pages/Program';
import { Recommendations } from './pages/Recommendations';
import { Review } from './pages/Review';
import { SignIn } from './pages/SignIn';
import type { Subscription, WhoAmI } from './types';

export interface PageProps {
  subscription: Subscription;
  who: WhoAmI;
  params: Record<string, string>;
  /** Forget cached answers and reload every page's data. */
  refresh(): void;
}

const PAGES: Array<{ id: string; title: string; component: (p: PageProps) => React.JSX.Element }> = [
  { id: 'overview', title: 'Overview', component: Overview },
  { id: 'recommendations', title: 'Recommendations', component: Recommendations },
  { id: 'controls', title: 'Secure score controls', component: Controls },
  { id: 'compliance', title: 'Regulatory compliance', component: Compliance },
  { id: 'attack-paths', title: 'Attack paths', component: AttackPaths },
  { id: 'alerts', title: 'Security alerts', component: Alerts },
  { id: 'inventory', title: 'Inventory', component: Inventory },
  { id: 'governance', title: 'Governance', component: Governance },
  { id: 'program', title: 'Program', component: Program },
  { id: 'drift', title: 'Drift', component: Drift },
  { id: 'review', title: 'Monthly review', component: Review },
];

const LAST_SUB = 'palisade.subscription';

export function App() {
  const [who, setWho] = useState<WhoAmI | undefined>();
  const [checking, setChecking] = useState(() => getToken() !== null);
  const [notice, setNotice] = useState<string | undefined>();

  // A token from an earlier visit in this tab: check it once.
  useEffect(() => {
    const t = getToken();
    if (!t) return;
    whoami(t).then(
      (w) => {
        setWho(w);
        setChecking(false);
      },
      () => {
        setToken(null);
        setNotice('Your session has ended. Sign in again.');
        setChecking(false);
      },
    );
  }, []);

  useEffect(
    () =>
      onUnauthorized(() => {
        setToken(null);
        setWho(undefined);
        setNotice('The server no longer accepts your token (expired or revoked). Sign in again.');
      }),
    [],
  );

  const signOut = useCallback(() => {
    setToken(null);
    setWho(undefined);
    setNotice('Signed out.');
  }, []);

  if (checking) return <Loading what="your session" />;
  if (!who)
    return (
      <SignIn
        notice={notice}
        onSignedIn={(t, w) => {
          setToken(t);
          setNotice(undefined);
          setWho(w);
        }}
      />
    );
  return <Shell who={who} signOut={signOut} />;
}

function Shell({ who, signOut }: { who: WhoAmI; signOut(): void }) {
  const route = useRoute();
  const [epoch, setEpoch] = useState(0);
  const refresh = useCallback(() => {
    invalidate();
    setEpoch((e) => e + 1);
  }, []);
  const subs = useAsync(listSubscriptions, []);
  const main = useRef<HTMLElement>(null);
  /** The page's h1 takes the focus on navigation, so keyboard and screen-reader users land on the new page. */
  const focusHeading = useCallback(() => {
    const h1 = main.current?.querySelector('h1');
    if (!h1) return;
    h1.setAttribute('tabindex', '-1');
    h1.focus();
  }, []);

  const page = PAGES.find((p) => p.id === route.page) ?? PAGES[0];
  const list = subs.data ?? [];
  const current = list.find((s) => s.subscriptionId.toLowerCase() === (route.params.sub ?? '').toLowerCase());

  // No (or an unknown) subscription in the address: the last one used, else the first.
  useEffect(() => {
    if (!list.length || current) return;
    let last: string | null = null;
    try {
      last = localStorage.getItem(LAST_SUB);
    } catch {
      /* no storage */
    }
    // The address may have moved on since this render (a link followed meanwhile): decide on the address as it is now.
    const now = parseHash(window.location.hash);
    if (list.some((s) => s.subscriptionId.toLowerCase() === (now.params.sub ?? '').toLowerCase())) return;
    const pick = list.find((s) => s.subscriptionId === last) ?? list[0];
    const target = PAGES.find((p) => p.id === now.page) ?? PAGES[0];
    window.location.replace(routeHref(target.id, { ...now.params, sub: pick.subscriptionId }));
  }, [list, current, page.id, route.params]);

  useEffect(() => {
    if (!current) return;
    try {
      localStorage.setItem(LAST_SUB, current.subscriptionId);
    } catch {
      /* no storage */
    }
  }, [current]);

  // Move focus to the page when the page changes (not on every parameter change).
  const lastPage = useRef(page.id);
  useEffect(() => {
    if (lastPage.current !== page.id) focusHeading();
    lastPage.current = page.id;
    document.title = `${page.title} · Palisade`;
  }, [page.id, page.title, focusHeading]);

  const Page = page.component;
  return (
    <EpochContext.Provider value={epoch}>
      <a
        className="skip"
        href="#main"
        onClick={(e) => {
          e.preventDefault(); // the hash is the route: move the focus instead
          focusHeading();
        }}
      >
        Skip to content
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">▰</span> Palisade
        </div>
        <div className="sub-picker">
          <label htmlFor="subscription">Subscription</label>
          <select
            id="subscription"
            value={current?.subscriptionId ?? ''}
            disabled={!list.length}
            onChange={(e) => {
              window.location.hash = routeHref(page.id, { sub: e.target.value });
            }}
          >
            {!current ? <option value="">{subs.loading ? 'Loading…' : 'No subscription'}</option> : null}
            {list.map((s) => (
              <option key={s.subscriptionId} value={s.subscriptionId}>
                {s.displayName} ({s.subscriptionId.slice(0, 8)}…)
              </option>
            ))}
          </select>
        </div>
        <div className="who" data-testid="whoami">
          <span className="role">{who.role}</span>
          <span className="scope" title={who.scope}>
            {who.scope}
          </span>
        </div>
        <button type="button" onClick={refresh} title="Reload all data from the server">
          Refresh
        </button>
        <button type="button" onClick={signOut}>
          Sign out
        </button>
      </header>
      <div className="layout">
        <nav className="sidenav" aria-label="Pages">
          <ul>
            {PAGES.map((p) => (
              <li key={p.id}>
                <a href={routeHref(p.id, { sub: current?.subscriptionId })} aria-current={p.id === page.id ? 'page' : undefined}>
                  {p.title}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <main id="main" className="content" ref={main}>
          {subs.error ? (
            <ErrorBox error={subs.error} what="subscriptions" />
          ) : !current ? (
            subs.loading ? (
              <Loading what="subscriptions" />
            ) : (
              <p className="empty">This token can see no subscription.</p>
            )
          ) : (
            <Page key={current.subscriptionId} subscription={current} who={who} params={route.params} refresh={refresh} />
          )}
        </main>
      </div>
    </EpochContext.Provider>
  );
}
