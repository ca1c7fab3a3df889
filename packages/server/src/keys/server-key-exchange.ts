/**
 * The server half of the private key exchange (docs/formats.md "Private key exchange"), on
 * node:crypto — the same construction as `wrapKeyForClient` in @securevod/crypto (which the SDK
 * side mirrors), about three times cheaper than WebCrypto in Node.
 *
 * The server's ECDH key pair is reused for a short window (`rotateAfterMs`) instead of being
 * made per request, so an exchange costs one ECDH derivation and no key generation (issue 12
 * item 4). A timer (unref'd) makes the next pair, so no request pays for a rotation; a pair is
 * never used past one and a half windows, even if the timer is late. It costs no real forward secrecy — the
 * client's key pair is still fresh per session, and whoever could steal the server's short-lived
 * ECDH key from memory could as well read the period keys the server derives in that memory.
 *
 * With worker threads configured, `KeyService` uses key-exchange-pool.ts instead, whose worker
 * script makes the same construction step for step (and keeps this class for its fallbacks).
 */
import {
  KeyExchangeError,
  keyExchangeContextBytes,
  type KeyExchangeContext,
  type KeyExchangeResponse,
} from '@securevod/crypto';
import { createCipheriv, createECDH, hkdfSync, randomBytes, type ECDH } from 'node:crypto';

const LABEL = Buffer.from('securevod/key-exchange/v1', 'utf8');
export const INVALID_PUBLIC_KEY =
  'The client public key is not a P-256 point: send the base64url (no padding) of the 65-byte uncompressed raw key.';

/** The client's raw public key, if `clientPublicKey` has the right shape (not yet that it is on the curve). */
export function parseClientPublicKey(clientPublicKey: string): Buffer {
  const clientRaw = Buffer.from(clientPublicKey, 'base64url');
  if (
    clientRaw.length !== 65 ||
    clientRaw[0] !== 0x04 ||
    clientRaw.toString('base64url') !== clientPublicKey
  ) {
    throw new KeyExchangeError('InvalidPublicKey', INVALID_PUBLIC_KEY);
  }
  return clientRaw;
}

export class ServerKeyExchange {
  private current: { ecdh: ECDH; publicRaw: Buffer; until: number } | undefined;
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly options: { rotateAfterMs: number; now?: () => number } = { rotateAfterMs: 10_000 },
  ) {
    this.rotate();
    this.timer = setInterval(() => this.rotate(), options.rotateAfterMs);
    this.timer.unref();
  }

  /** Stops the rotation timer (the key service closes). */
  close(): void {
    clearInterval(this.timer);
    this.current = undefined;
  }

  wrap(clientPublicKey: string, periodKey: Uint8Array, context: KeyExchangeContext): KeyExchangeResponse {
    return this.wrapRaw(parseClientPublicKey(clientPublicKey), periodKey, keyExchangeContextBytes(context));
  }

  /**
   * `wrap` on inputs already parsed: the client's raw key (from `parseClientPublicKey`) and the
   * context's bytes (`keyExchangeContextBytes`) — what the exchange pool's workers receive.
   */
  wrapRaw(clientRaw: Buffer, periodKey: Uint8Array, ctx: Uint8Array): KeyExchangeResponse {
    const { ecdh, publicRaw } = this.keyPair();
    let shared: Buffer;
    try {
      shared = ecdh.computeSecret(clientRaw);
    } catch (cause) {
      throw new KeyExchangeError('InvalidPublicKey', INVALID_PUBLIC_KEY, { cause });
    }
    const wrappingKey = Buffer.from(
      hkdfSync('sha256', shared, LABEL, Buffer.concat([clientRaw, publicRaw, ctx]), 32),
    );
    shared.fill(0);
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', wrappingKey, iv);
    cipher.setAAD(ctx);
    const sealed = Buffer.concat([cipher.update(periodKey), cipher.final(), cipher.getAuthTag()]);
    wrappingKey.fill(0);
    return {
      serverPublicKey: publicRaw.toString('base64url'),
      iv: iv.toString('base64url'),
      wrappedKey: sealed.toString('base64url'),
    };
  }

  private keyPair() {
    const now = this.options.now?.() ?? Date.now();
    if (!this.current || now >= this.current.until) this.rotate();
    return this.current!;
  }

  private rotate(): void {
    const now = this.options.now?.() ?? Date.now();
    const ecdh = createECDH('prime256v1');
    const publicRaw = ecdh.generateKeys();
    // A little past the timer's period, so the timer (not a request) normally rotates.
    this.current = { ecdh, publicRaw, until: now + this.options.rotateAfterMs * 1.5 };
  }
}
