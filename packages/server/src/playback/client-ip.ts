/**
 * Client-address binding for playback tokens. A token bound to an address (DESIGN §5: "optionally
 * the client address") names it in canonical form, and a request's address is canonicalised the
 * same way before comparing, so `::ffff:203.0.113.7` (how Node reports IPv4 on a dual-stack
 * socket) matches `203.0.113.7`, and `2001:0db8::0:1` matches `2001:db8::1`.
 *
 * Which address is the client's (socket peer or a trusted proxy's X-Forwarded-For) is the
 * route's decision, made once from configuration; this module only compares.
 */
import { isIP } from 'node:net';

/**
 * Canonical text of an IPv4 or IPv6 address (brackets allowed), IPv4-mapped IPv6 as IPv4; `null`
 * for anything else, including zoned addresses (`fe80::1%eth0`), which never reach us from the
 * public network.
 */
export function normalizeClientIp(ip: string): string | null {
  if (typeof ip !== 'string') return null;
  let text = ip.trim();
  if (text.startsWith('[') && text.endsWith(']')) text = text.slice(1, -1);
  const family = isIP(text);
  if (family === 4) return text;
  if (family !== 6 || text.includes('%')) return null;
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(canonical);
  if (mapped) {
    const high = parseInt(mapped[1]!, 16);
    const low = parseInt(mapped[2]!, 16);
    return `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;
  }
  return canonical;
}

/**
 * For issuers: the canonical form of an address to bind, or a `RangeError` (the caller passes
 * only addresses it has validated, e.g. with `normalizeClientIp`).
 */
export function bindableClientIp(ip: string): string {
  const canonical = normalizeClientIp(ip);
  if (canonical === null) throw new RangeError('clientIp must be an IPv4 or IPv6 address.');
  return canonical;
}

/**
 * Whether a request from `requestIp` may use a token bound to `boundIp`. An unbound token fits
 * every client; a bound token needs the request's address (an unknown address fails closed).
 */
export function clientMatches(boundIp: string | undefined, requestIp: string | undefined): boolean {
  if (boundIp === undefined) return true;
  if (requestIp === undefined) return false;
  return normalizeClientIp(requestIp) === boundIp;
}
