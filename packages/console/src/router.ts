/**
 * A tiny history-API router for the console's few pages, below BASE_PATH. The server answers
 * every path below /console/ with index.html (SPA fallback), so deep links and reloads work.
 */
import { useSyncExternalStore } from 'react';
import { BASE_PATH } from './base-path.js';

export type Route =
  | { readonly page: 'library' }
  | { readonly page: 'video'; readonly videoId: string }
  | { readonly page: 'templates' }
  | { readonly page: 'downloads' }
  | { readonly page: 'playback-limits' }
  | { readonly page: 'callbacks' }
  | { readonly page: 'access-keys' }
  | { readonly page: 'key-deliveries' }
  | { readonly page: 'users' }
  | { readonly page: 'user'; readonly userName: string }
  | { readonly page: 'policies' }
  | { readonly page: 'roles' }
  | { readonly page: 'leaks' };

export type PageName = Route['page'];

const SIMPLE_PAGES: readonly PageName[] = [
  'templates',
  'downloads',
  'playback-limits',
  'callbacks',
  'access-keys',
  'key-deliveries',
  'users',
  'policies',
  'roles',
  'leaks',
];

/** The route for a path (`/console/templates`); unknown paths show the library. */
export function parseRoute(pathname: string): Route {
  const rest = pathname.startsWith(BASE_PATH) ? pathname.slice(BASE_PATH.length) : '';
  const parts = rest.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second] = parts;
  if (first === 'videos' && second) return { page: 'video', videoId: second };
  if (first === 'users' && second) return { page: 'user', userName: second };
  if (first && (SIMPLE_PAGES as readonly string[]).includes(first)) return { page: first } as Route;
  return { page: 'library' };
}

export function routePath(route: Route): string {
  if (route.page === 'library') return BASE_PATH;
  if (route.page === 'video') return `${BASE_PATH}videos/${encodeURIComponent(route.videoId)}`;
  if (route.page === 'user') return `${BASE_PATH}users/${encodeURIComponent(route.userName)}`;
  return `${BASE_PATH}${route.page}`;
}

const NAVIGATE_EVENT = 'securevod:navigate';

export function navigate(route: Route, options: { replace?: boolean } = {}): void {
  const path = routePath(route) + location.search;
  if (options.replace) history.replaceState(null, '', path);
  else if (path !== location.pathname + location.search) history.pushState(null, '', path);
  window.dispatchEvent(new Event(NAVIGATE_EVENT));
}

function subscribe(onChange: () => void): () => void {
  window.addEventListener('popstate', onChange);
  window.addEventListener(NAVIGATE_EVENT, onChange);
  return () => {
    window.removeEventListener('popstate', onChange);
    window.removeEventListener(NAVIGATE_EVENT, onChange);
  };
}

export function usePathname(): string {
  return useSyncExternalStore(subscribe, () => location.pathname);
}
