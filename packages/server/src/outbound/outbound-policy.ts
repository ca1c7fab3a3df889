/**
 * Where securevod may send requests of its own (HTTP callbacks, URL pull uploads): the one
 * outbound policy (issue 11 item 9). By default loopback, private, link-local and every other
 * non-public address is refused — after DNS resolution and on every redirect hop, which the
 * connection-level check in `outbound-client.ts` guarantees. Operators open it with
 * `SECUREVOD_ALLOW_PRIVATE_OUTBOUND=1` (everything) or `SECUREVOD_OUTBOUND_ALLOW` (listed
 * addresses and CIDR ranges only, e.g. an internal media host).
 *
 * Address classification is ipaddr.js's (`range()`); nothing here parses addresses by hand.
 */
import ipaddr from 'ipaddr.js';
import { isIP } from 'node:net';

export interface OutboundPolicy {
  /** Any destination, private ones included (`SECUREVOD_ALLOW_PRIVATE_OUTBOUND=1`). */
  readonly allowPrivate: boolean;
  /** Addresses or CIDR ranges allowed although not public (`SECUREVOD_OUTBOUND_ALLOW`). */
  readonly allowList: readonly string[];
}

export const PUBLIC_ONLY: OutboundPolicy = { allowPrivate: false, allowList: [] };

/** The setting names, for messages that tell an operator what to change. */
export const ALLOW_PRIVATE_SETTING = 'SECUREVOD_ALLOW_PRIVATE_OUTBOUND=1';
export const ALLOW_LIST_SETTING = 'SECUREVOD_OUTBOUND_ALLOW';

/** Undefined when `entry` is an IP address or CIDR range; otherwise what is wrong with it. */
export function allowListEntryProblem(entry: string): string | undefined {
  if (ipaddr.isValid(entry)) return undefined;
  try {
    ipaddr.parseCIDR(entry);
    return undefined;
  } catch {
    return `"${entry}" is neither an IP address nor a CIDR range (e.g. 10.0.0.5 or 192.168.0.0/16)`;
  }
}

const RANGE_WORDS: Record<string, string> = {
  loopback: 'a loopback address',
  private: 'a private address',
  linkLocal: 'a link-local address',
  uniqueLocal: 'a private (unique-local) address',
  unspecified: 'an unspecified address',
  carrierGradeNat: 'a carrier-grade NAT address',
  multicast: 'a multicast address',
  broadcast: 'a broadcast address',
  reserved: 'a reserved address',
  ipv4Mapped: 'an IPv4-mapped address',
};

/** "a loopback address", "a private address", … for an address that is not public unicast. */
export function describeAddress(address: string): string {
  try {
    const range = ipaddr.parse(address).range();
    return RANGE_WORDS[range] ?? `a non-public address (${range})`;
  } catch {
    return 'an address that cannot be parsed';
  }
}

function allowListed(policy: OutboundPolicy, address: ipaddr.IPv4 | ipaddr.IPv6): boolean {
  return policy.allowList.some((entry) => {
    if (ipaddr.isValid(entry)) return ipaddr.parse(entry).toString() === address.toString();
    const range = ipaddr.parseCIDR(entry);
    return address.kind() === range[0].kind() && address.match(range);
  });
}

/**
 * For a URL whose host is an IP literal: why the policy refuses it, else undefined. Host names
 * pass here — they are checked when they resolve (`outbound-client.ts`). Used to refuse plainly
 * wrong configuration early (SetMessageCallback), never as the only check.
 */
export function literalAddressRefusal(policy: OutboundPolicy, url: URL): string | undefined {
  if (policy.allowPrivate) return undefined;
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  if (isIP(host) === 0) return undefined;
  const address = ipaddr.parse(host);
  if (address.range() === 'unicast' || allowListed(policy, address)) return undefined;
  return refusalMessage(url.hostname, host);
}

export function refusalMessage(host: string, address: string): string {
  const where = host === address || host === `[${address}]` ? address : `${host} (${address})`;
  return (
    `${where} is ${describeAddress(address)}; securevod does not send requests to loopback, private or ` +
    `link-local addresses unless ${ALLOW_PRIVATE_SETTING} is set or the address is listed in ${ALLOW_LIST_SETTING}.`
  );
}
