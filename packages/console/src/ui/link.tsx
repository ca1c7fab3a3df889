/** An in-app link: a real <a href> (so it opens in a new tab too) that navigates without reload. */
import type { AnchorHTMLAttributes, MouseEvent, ReactNode } from 'react';
import { navigate, routePath, type Route } from '../router.js';

export function followRoute(event: MouseEvent<HTMLAnchorElement>, route: Route): void {
  if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  event.preventDefault();
  navigate(route);
}

export function Link(
  props: Omit<AnchorHTMLAttributes<HTMLAnchorElement>, 'href'> & {
    readonly route: Route;
    readonly children: ReactNode;
  },
) {
  const { route, children, onClick, ...anchor } = props;
  return (
    <a
      {...anchor}
      href={routePath(route)}
      onClick={(event) => {
        onClick?.(event);
        followRoute(event, route);
      }}
    >
      {children}
    </a>
  );
}
