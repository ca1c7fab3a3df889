/**
 * The console shell: sign-in until a session exists, then the navigation and the page the URL
 * names. Also where idle sessions end (input resets the clock; a timer and tab focus check it).
 */
import { useEffect, useState, type ReactNode } from 'react';
import { parseRoute, usePathname, type PageName, type Route } from './router.js';
import { Link } from './ui/link.js';
import { Notice } from './ui/notices.js';
import type { Session, SessionManager, SignOutReason } from './session/session-manager.js';
import { SessionContext } from './ui/session-context.js';
import { SignInPage } from './pages/sign-in-page.js';
import { LibraryPage } from './pages/library-page.js';
import { VideoPage } from './pages/video-page.js';
import { TemplateGroupsPage } from './pages/template-groups-page.js';
import { DownloadsPage } from './pages/downloads-page.js';
import { PlaybackLimitsPage } from './pages/playback-limits-page.js';
import { CallbacksPage } from './pages/callbacks-page.js';
import { AccessKeysPage } from './pages/access-keys-page.js';
import { KeyDeliveriesPage } from './pages/key-deliveries-page.js';
import { PoliciesPage } from './pages/policies-page.js';
import { RolesPage } from './pages/roles-page.js';
import { UserPage } from './pages/user-page.js';
import { UsersPage } from './pages/users-page.js';
import { LeakPage } from './pages/leak-page.js';

const NAV: readonly (readonly [PageName, string])[] = [
  ['library', 'Library'],
  ['templates', 'Template groups'],
  ['downloads', 'Downloads & app keys'],
  ['playback-limits', 'Playback limits'],
  ['callbacks', 'Callbacks'],
  ['access-keys', 'Access keys'],
  ['users', 'Users'],
  ['policies', 'Policies'],
  ['roles', 'Roles'],
  ['key-deliveries', 'Key-delivery log'],
  ['leaks', 'Investigate a leak'],
];

const IDLE_CHECK_MS = 60_000;

export function App(props: { readonly sessions: SessionManager; readonly restoring: Promise<unknown> }) {
  const { sessions } = props;
  const [session, setSession] = useState<Session | undefined>(sessions.current);
  const [reason, setReason] = useState<SignOutReason | undefined>();
  const [restored, setRestored] = useState(false);

  useEffect(() => {
    const unsubscribe = sessions.subscribe((next, why) => {
      setSession(next);
      setReason(why);
    });
    void props.restoring.finally(() => {
      setSession(sessions.current);
      setRestored(true);
    });
    return unsubscribe;
  }, [sessions, props.restoring]);

  useEffect(() => {
    if (!session) return;
    const onActivity = () => sessions.activity();
    const check = () => void sessions.checkIdle();
    const onVisible = () => {
      if (document.visibilityState === 'visible') check();
    };
    window.addEventListener('pointerdown', onActivity, { passive: true });
    window.addEventListener('keydown', onActivity);
    document.addEventListener('visibilitychange', onVisible);
    const timer = window.setInterval(check, IDLE_CHECK_MS);
    return () => {
      window.removeEventListener('pointerdown', onActivity);
      window.removeEventListener('keydown', onActivity);
      document.removeEventListener('visibilitychange', onVisible);
      window.clearInterval(timer);
    };
  }, [session, sessions]);

  if (!restored) return <p className="loading">Loading…</p>;
  if (!session) return <SignInPage sessions={sessions} reason={reason} />;
  return (
    <SessionContext.Provider value={session}>
      <Shell session={session} onSignOut={() => void sessions.signOut('signed-out')} />
    </SessionContext.Provider>
  );
}

function Shell(props: { readonly session: Session; readonly onSignOut: () => void }) {
  const pathname = usePathname();
  const route = parseRoute(pathname);
  const [menuOpen, setMenuOpen] = useState(false);
  const [storageNoticeDismissed, setStorageNoticeDismissed] = useState(false);
  const current: PageName = route.page === 'video' ? 'library' : route.page === 'user' ? 'users' : route.page;

  useEffect(() => {
    const label = NAV.find(([page]) => page === current)?.[1] ?? 'Library';
    document.title = `${label} · securevod console`;
    setMenuOpen(false);
    document.getElementById('main')?.focus({ preventScroll: true });
  }, [pathname, current]);

  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="topbar">
        <Link className="brand" route={{ page: 'library' }}>
          <span className="brand-mark" aria-hidden="true">
            ▶
          </span>{' '}
          securevod
        </Link>
        <button
          type="button"
          className="menu-button"
          aria-expanded={menuOpen}
          aria-controls="main-nav"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
        </button>
        <div className="account">
          <span className="account-id" title={props.session.endpoint || location.origin}>
            {props.session.accessKeyId}
          </span>
          <button type="button" className="button-secondary button-small" onClick={props.onSignOut}>
            Sign out
          </button>
        </div>
      </header>
      <nav id="main-nav" className={`sidenav${menuOpen ? ' open' : ''}`} aria-label="Console">
        <ul>
          {NAV.map(([page, label]) => (
            <li key={page}>
              <Link
                route={{ page } as Route}
                aria-current={page === current ? 'page' : undefined}
                onClick={() => setMenuOpen(false)}
              >
                {label}
              </Link>
            </li>
          ))}
        </ul>
        <p className="nav-account small">
          Signed in as <span className="account-id">{props.session.accessKeyId}</span>
        </p>
      </nav>
      <main id="main" className="content" tabIndex={-1}>
        {props.session.rememberFailed && !storageNoticeDismissed ? (
          <Notice tone="warn">
            This browser would not store the sign-in, so it lasts only while this tab is open.{' '}
            <button type="button" className="link-button" onClick={() => setStorageNoticeDismissed(true)}>
              Dismiss
            </button>
          </Notice>
        ) : null}
        <Page route={route} />
      </main>
    </div>
  );
}

function Page(props: { readonly route: Route }): ReactNode {
  const { route } = props;
  switch (route.page) {
    case 'library':
      return <LibraryPage />;
    case 'video':
      return <VideoPage videoId={route.videoId} />;
    case 'templates':
      return <TemplateGroupsPage />;
    case 'downloads':
      return <DownloadsPage />;
    case 'playback-limits':
      return <PlaybackLimitsPage />;
    case 'callbacks':
      return <CallbacksPage />;
    case 'access-keys':
      return <AccessKeysPage />;
    case 'key-deliveries':
      return <KeyDeliveriesPage />;
    case 'users':
      return <UsersPage />;
    case 'user':
      return <UserPage userName={route.userName} />;
    case 'policies':
      return <PoliciesPage />;
    case 'roles':
      return <RolesPage />;
    case 'leaks':
      return <LeakPage />;
  }
}
