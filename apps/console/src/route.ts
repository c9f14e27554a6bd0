import { useEffect, useState } from 'react';

/** Console screens, addressed by the URL hash so that reload and links work. */
export type Route =
  | { screen: 'sites' }
  | { screen: 'site-properties'; siteCode: string }
  | { screen: 'gateway' }
  | { screen: 'windows' }
  | { screen: 'devices' }
  | { screen: 'push' }
  | { screen: 'rollouts'; rolloutId: string | null }
  | { screen: 'reachability' }
  | { screen: 'upgrades'; upgradeId: string | null }
  | { screen: 'audit' }
  | { screen: 'users' };

/** Parses `#/sites/PS1/properties` and friends; anything unknown is the Sites screen. */
function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0] ?? '') {
    case 'devices':
      return { screen: 'devices' };
    case 'gateway':
      return { screen: 'gateway' };
    case 'windows':
      return { screen: 'windows' };
    case 'push':
      return { screen: 'push' };
    case 'audit':
      return { screen: 'audit' };
    case 'users':
      return { screen: 'users' };
    case 'rollouts':
      return { screen: 'rollouts', rolloutId: parts[1] ?? null };
    case 'reachability':
      return { screen: 'reachability' };
    case 'upgrades':
      return { screen: 'upgrades', upgradeId: parts[1] ?? null };
    case 'sites':
      if (parts[1] !== undefined && parts[2] === 'properties') return { screen: 'site-properties', siteCode: parts[1] };
      return { screen: 'sites' };
    default:
      return { screen: 'sites' };
  }
}

/** The hash of a route. */
export function hrefOf(route: Route): string {
  switch (route.screen) {
    case 'sites':
      return '#/sites';
    case 'site-properties':
      return `#/sites/${encodeURIComponent(route.siteCode)}/properties`;
    case 'devices':
      return '#/devices';
    case 'gateway':
      return '#/gateway';
    case 'windows':
      return '#/windows';
    case 'push':
      return '#/push';
    case 'rollouts':
      return route.rolloutId === null ? '#/rollouts' : `#/rollouts/${encodeURIComponent(route.rolloutId)}`;
    case 'upgrades':
      return route.upgradeId === null ? '#/upgrades' : `#/upgrades/${encodeURIComponent(route.upgradeId)}`;
    case 'reachability':
      return '#/reachability';
    case 'audit':
      return '#/audit';
    case 'users':
      return '#/users';
  }
}

export function navigate(route: Route): void {
  window.location.hash = hrefOf(route);
}

/** The current route, following hash changes. */
export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location.hash));
  useEffect(() => {
    const onChange = (): void => setRoute(parseRoute(window.location.hash));
    window.addEventListener('hashchange', onChange);
    return () => window.removeEventListener('hashchange', onChange);
  }, []);
  return route;
}
