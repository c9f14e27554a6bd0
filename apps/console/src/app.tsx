import { useEffect, useState } from 'react';
import type { SessionView } from '@siteport/protocol';
import { useTranslation } from 'react-i18next';
import { ApiError, api, describeError, setCsrfToken } from './api.js';
import { AuditView } from './audit-view.js';
import { ChangePassword } from './change-password.js';
import { DevicesView } from './devices-view.js';
import { LanguageSwitch } from './i18n/index.js';
import { GatewayView } from './gateway-view.js';
import { PushView } from './push-view.js';
import { ReachabilityView } from './reachability-view.js';
import { RolloutsView } from './rollouts-view.js';
import { UpgradesView } from './upgrades-view.js';
import { hrefOf, useRoute, type Route } from './route.js';
import { SessionContext } from './session.js';
import { SignIn } from './sign-in.js';
import { SitePropertiesView } from './site-properties.js';
import { SitesView } from './sites-view.js';
import { UsersView } from './users-view.js';
import { WindowsView } from './windows-view.js';

type NavKey =
  'sites' | 'gateway' | 'windows' | 'users' | 'devices' | 'push' | 'rollouts' | 'reachability' | 'upgrades' | 'audit';
type NavItem = { key: NavKey; route: Route; screens: Route['screen'][] };

/** Shown to callers who may manage accounts (administrators with every site). */
const USERS_ITEM: NavItem = { key: 'users', route: { screen: 'users' }, screens: ['users'] };

const NAV: { group: 'administration' | 'assets' | 'monitoring'; items: NavItem[] }[] = [
  {
    group: 'administration',
    items: [
      { key: 'sites', route: { screen: 'sites' }, screens: ['sites', 'site-properties'] },
      { key: 'gateway', route: { screen: 'gateway' }, screens: ['gateway'] },
      { key: 'windows', route: { screen: 'windows' }, screens: ['windows'] },
    ],
  },
  {
    group: 'assets',
    items: [
      { key: 'devices', route: { screen: 'devices' }, screens: ['devices'] },
      { key: 'push', route: { screen: 'push' }, screens: ['push'] },
    ],
  },
  {
    group: 'monitoring',
    items: [
      { key: 'rollouts', route: { screen: 'rollouts', rolloutId: null }, screens: ['rollouts'] },
      { key: 'reachability', route: { screen: 'reachability' }, screens: ['reachability'] },
      { key: 'upgrades', route: { screen: 'upgrades', upgradeId: null }, screens: ['upgrades'] },
      { key: 'audit', route: { screen: 'audit' }, screens: ['audit'] },
    ],
  },
];

function Screen({ route }: { route: Route }) {
  switch (route.screen) {
    case 'sites':
      return <SitesView />;
    case 'site-properties':
      return <SitePropertiesView siteCode={route.siteCode} />;
    case 'devices':
      return <DevicesView />;
    case 'gateway':
      return <GatewayView />;
    case 'windows':
      return <WindowsView />;
    case 'push':
      return <PushView />;
    case 'rollouts':
      return <RolloutsView rolloutId={route.rolloutId} />;
    case 'reachability':
      return <ReachabilityView />;
    case 'upgrades':
      return <UpgradesView upgradeId={route.upgradeId} />;
    case 'audit':
      return <AuditView />;
    case 'users':
      return <UsersView />;
  }
}

/** The console: sign-in, then the navigation tree and one screen. */
export function App() {
  const { t } = useTranslation();
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);
  const [changingPassword, setChangingPassword] = useState(false);
  const route = useRoute();

  useEffect(() => {
    api<SessionView>('GET', '/session').then(
      (s) => {
        setCsrfToken(s.csrfToken);
        setSession(s);
      },
      (e: unknown) => {
        if (e instanceof ApiError && e.status === 401) setSession(null);
        else setError(describeError(e));
      },
    );
  }, []);

  const signedIn = (s: SessionView): void => {
    setCsrfToken(s.csrfToken);
    setSession(s);
  };
  const signOut = (): void => {
    api('DELETE', '/session').then(
      () => {
        setCsrfToken(null);
        setSession(null);
      },
      (e: unknown) => setError(describeError(e)),
    );
  };

  if (error !== null)
    return (
      <p className="error" role="alert">
        {error}
      </p>
    );
  if (session === undefined) return <p className="loading">{t('common.loading')}</p>;
  if (session === null) return <SignIn onSignedIn={signedIn} />;
  const role = session.role === 'analyst' ? t('roles.readOnlyAnalyst') : t(`roles.${session.role}`);
  const manageAccounts = session.permissions.includes('accounts.manage');
  const nav = NAV.map((group) =>
    group.group === 'administration' && manageAccounts ? { ...group, items: [...group.items, USERS_ITEM] } : group,
  );
  return (
    <SessionContext.Provider value={{ session, canChange: session.permissions.includes('ports.change') }}>
      <header className="topbar">
        <span className="brand">{t('common.brand')}</span>
        <span className="who" data-testid="who">
          {session.sites === null
            ? t('header.who', { user: session.user, role })
            : t('header.whoScoped', { user: session.user, role, sites: session.sites.join(', ') })}
        </span>
        <LanguageSwitch />
        {session.via === 'session' && (
          <button type="button" onClick={() => setChangingPassword(true)}>
            {t('header.changePassword')}
          </button>
        )}
        <button type="button" onClick={signOut}>
          {t('header.signOut')}
        </button>
      </header>
      {changingPassword && <ChangePassword onClose={() => setChangingPassword(false)} />}
      <div className="layout">
        <nav className="nav" aria-label={t('nav.label')}>
          {nav.map((group) => (
            <div key={group.group}>
              <h2>{t(`nav.${group.group}`)}</h2>
              <ul>
                {group.items.map((item) => (
                  <li key={item.key}>
                    <a
                      href={hrefOf(item.route)}
                      className={item.screens.includes(route.screen) ? 'current' : undefined}
                    >
                      {t(`nav.${item.key}`)}
                    </a>
                  </li>
                ))}
              </ul>
            </div>
          ))}
        </nav>
        <main className="main">
          <Screen route={route} />
        </main>
      </div>
    </SessionContext.Provider>
  );
}
