/**
 * Who is calling, once the signature checked out: the account itself (root: its own AccessKeys),
 * a RAM user (its AccessKeys), or an STS session of a role. ARNs follow ram-sts.md §1.3, §3.3.
 */
import type { StsClaims } from './sts-token.js';

export type Principal =
  | { readonly kind: 'root'; readonly accountId: string; readonly accessKeyId: string }
  | {
      readonly kind: 'user';
      readonly accountId: string;
      readonly accessKeyId: string;
      readonly userId: string;
      readonly userName: string;
    }
  | {
      readonly kind: 'role-session';
      readonly accountId: string;
      readonly accessKeyId: string;
      readonly session: StsClaims;
    };

export function principalArn(p: Principal): string {
  switch (p.kind) {
    case 'root':
      return `acs:ram::${p.accountId}:root`;
    case 'user':
      return `acs:ram::${p.accountId}:user/${p.userName}`;
    case 'role-session':
      return `acs:ram::${p.accountId}:assumed-role/${p.session.roleName.toLowerCase()}/${p.session.sessionName}`;
  }
}

/** ARNs a role's trust policy may name for this caller: itself, and its account's root. */
export function trustArns(p: Principal): string[] {
  const own =
    p.kind === 'role-session'
      ? `acs:ram::${p.accountId}:role/${p.session.roleName.toLowerCase()}`
      : principalArn(p);
  return [own, `acs:ram::${p.accountId}:root`];
}

export function roleArn(accountId: string, roleName: string): string {
  return `acs:ram::${accountId}:role/${roleName.toLowerCase()}`;
}

export function userArn(accountId: string, userName: string): string {
  return `acs:ram:*:${accountId}:user/${userName}`;
}

export function policyArn(accountId: string, policyName: string): string {
  return `acs:ram:*:${accountId}:policy/${policyName}`;
}

/** The request ARN of a VOD video (our documented extension), and of VOD requests for no video. */
export function videoArn(accountId: string, videoId: string): string {
  return `acs:vod:*:${accountId}:video/${videoId}`;
}

export function vodAccountArn(accountId: string): string {
  return `acs:vod:*:${accountId}:*`;
}
