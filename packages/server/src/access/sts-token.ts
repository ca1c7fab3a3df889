/**
 * STS credentials (ram-sts.md §3): AssumeRole hands out an `STS.` AccessKeyId, a secret and a
 * SecurityToken; every later request presents all three. Nothing is stored: the token carries
 * the session (account, role, session name, the session policy, expiry) sealed with AES-256-GCM
 * under a server key, and the secret is derived from that key and the AccessKeyId, so only this
 * server can compute it and the token does not contain it.
 *
 * Token bytes (standard base64, opaque to clients, as the reference requires):
 *   0x01 (format) ‖ nonce (12) ‖ AES-256-GCM(JSON claims, AAD "securevod-sts-v1") ‖ tag (16)
 * Any change to any byte fails the tag (InvalidSecurityToken.Malformed). Keys are a list
 * `[current, previous]` so a rotation does not cut off live sessions.
 */
import { createCipheriv, createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import type { Kms } from '../kms/kms.js';
import type { SettingsStore } from '../store/settings-store.js';

export const STS_KEY_PREFIX = 'STS.';
const FORMAT = 1;
const AAD = Buffer.from('securevod-sts-v1');
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
/** Longer than any token we issue (the session policy is at most 2,048 characters). */
const MAX_TOKEN_CHARS = 16_384;
const ID_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface StsClaims {
  readonly accessKeyId: string;
  readonly accountId: string;
  readonly roleId: string;
  readonly roleName: string;
  readonly sessionName: string;
  /** The session policy (AssumeRole `Policy`) as JSON text; absent = the role's rights. */
  readonly policy?: string;
  /** ARN of the identity that called AssumeRole (for audit). */
  readonly sourceArn: string;
  /** Epoch seconds. */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface IssuedCredentials {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  readonly claims: StsClaims;
}

export type StsTokenProblem = 'Malformed' | 'MismatchWithAccessKey' | 'Expired';

export class StsTokenError extends Error {
  override readonly name = 'StsTokenError';
  constructor(readonly problem: StsTokenProblem) {
    super(`SecurityToken ${problem}`);
  }
}

export class StsTokenCodec {
  constructor(private readonly keys: readonly Uint8Array[]) {
    if (keys.length === 0 || keys.some((k) => k.length !== 32))
      throw new Error('STS token keys must be 32 bytes');
  }

  issue(session: Omit<StsClaims, 'accessKeyId'>): IssuedCredentials {
    const accessKeyId = `${STS_KEY_PREFIX}${randomId(24)}`;
    const claims: StsClaims = { accessKeyId, ...session };
    const key = this.keys[0]!;
    const nonce = randomBytes(NONCE_BYTES);
    const cipher = createCipheriv('aes-256-gcm', key, nonce).setAAD(AAD);
    const body = Buffer.concat([cipher.update(JSON.stringify(toWire(claims)), 'utf8'), cipher.final()]);
    const token = Buffer.concat([Buffer.from([FORMAT]), nonce, body, cipher.getAuthTag()]).toString('base64');
    return { accessKeyId, accessKeySecret: deriveSecret(key, accessKeyId), securityToken: token, claims };
  }

  /**
   * Opens a token presented with `accessKeyId`; returns the session and the secret to verify
   * the request's signature with. Throws StsTokenError: Malformed (not ours, or altered),
   * MismatchWithAccessKey (issued to another STS AccessKeyId), Expired (at `nowSeconds`).
   */
  open(token: string, accessKeyId: string, nowSeconds: number): { claims: StsClaims; secret: string } {
    const bytes = decodeBase64(token);
    if (!bytes || bytes.length < 1 + NONCE_BYTES + TAG_BYTES + 2 || bytes[0] !== FORMAT) {
      throw new StsTokenError('Malformed');
    }
    const nonce = bytes.subarray(1, 1 + NONCE_BYTES);
    const body = bytes.subarray(1 + NONCE_BYTES, bytes.length - TAG_BYTES);
    const tag = bytes.subarray(bytes.length - TAG_BYTES);
    for (const key of this.keys) {
      let plaintext: Buffer;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce).setAAD(AAD).setAuthTag(tag);
        plaintext = Buffer.concat([decipher.update(body), decipher.final()]);
      } catch {
        continue;
      }
      const claims = fromWire(plaintext);
      if (!claims) throw new StsTokenError('Malformed');
      if (claims.accessKeyId !== accessKeyId) throw new StsTokenError('MismatchWithAccessKey');
      if (claims.expiresAt <= nowSeconds) throw new StsTokenError('Expired');
      return { claims, secret: deriveSecret(key, accessKeyId) };
    }
    throw new StsTokenError('Malformed');
  }
}

/** The server's STS keys: 32 random bytes each, kept in settings only wrapped by the KMS. */
const SETTING = 'stsTokenKeys';
const CONTEXT = { purpose: 'sts-token-key' } as const;

export async function loadStsKeys(kms: Kms, settings: SettingsStore): Promise<Uint8Array[]> {
  let wrapped = await settings.get<string[]>(SETTING);
  if (!wrapped || wrapped.length === 0) {
    const fresh = new Uint8Array(randomBytes(32));
    const blob = (await kms.encrypt(fresh, CONTEXT)).ciphertextBlob;
    fresh.fill(0);
    // Two servers starting at once agree on whichever insert won.
    wrapped = await settings.setIfAbsent(SETTING, [blob]);
  }
  const keys: Uint8Array[] = [];
  for (const blob of wrapped) keys.push((await kms.decrypt(blob, CONTEXT)).plaintext);
  return keys;
}

function deriveSecret(key: Uint8Array, accessKeyId: string): string {
  return createHmac('sha256', key)
    .update(`sts-secret\0${accessKeyId}`)
    .digest()
    .subarray(0, 24)
    .toString('base64url');
}

function randomId(length: number): string {
  let out = '';
  while (out.length < length) {
    for (const byte of randomBytes(length * 2)) {
      if (out.length < length && byte < 248) out += ID_ALPHABET[byte % ID_ALPHABET.length];
    }
  }
  return out;
}

function decodeBase64(text: string): Buffer | undefined {
  if (text.length > MAX_TOKEN_CHARS || !/^[A-Za-z0-9+/]+={0,2}$/.test(text)) return undefined;
  const bytes = Buffer.from(text, 'base64');
  // Reject non-canonical encodings, so one token has exactly one spelling.
  return bytes.toString('base64') === text ? bytes : undefined;
}

interface WireClaims {
  v: 1;
  ak: string;
  acct: string;
  rid: string;
  rn: string;
  sn: string;
  pol?: string;
  src: string;
  iat: number;
  exp: number;
}

function toWire(c: StsClaims): WireClaims {
  return {
    v: 1,
    ak: c.accessKeyId,
    acct: c.accountId,
    rid: c.roleId,
    rn: c.roleName,
    sn: c.sessionName,
    ...(c.policy !== undefined ? { pol: c.policy } : {}),
    src: c.sourceArn,
    iat: c.issuedAt,
    exp: c.expiresAt,
  };
}

/** Only our own code sealed this, but a typo-level bug must not become a crash: check shapes. */
function fromWire(bytes: Buffer): StsClaims | undefined {
  let w: Partial<WireClaims>;
  try {
    w = JSON.parse(bytes.toString('utf8')) as Partial<WireClaims>;
  } catch {
    return undefined;
  }
  const strings = [w.ak, w.acct, w.rid, w.rn, w.sn, w.src];
  if (w.v !== 1 || strings.some((s) => typeof s !== 'string')) return undefined;
  if (!Number.isSafeInteger(w.iat) || !Number.isSafeInteger(w.exp)) return undefined;
  if (w.pol !== undefined && typeof w.pol !== 'string') return undefined;
  return {
    accessKeyId: w.ak!,
    accountId: w.acct!,
    roleId: w.rid!,
    roleName: w.rn!,
    sessionName: w.sn!,
    ...(w.pol !== undefined ? { policy: w.pol } : {}),
    sourceArn: w.src!,
    issuedAt: w.iat!,
    expiresAt: w.exp!,
  };
}
