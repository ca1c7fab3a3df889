/**
 * Period keys of private (SVS1) renditions (DESIGN §5, "Private encryption"; docs/formats.md,
 * "Private key exchange"). For each key URI: one ECDH key exchange with the key service, at most
 * one in flight, and the unwrapped non-extractable AES-GCM CryptoKey cached for the player's
 * lifetime. Key bytes never exist in the page: `unwrapKeyFromServer` unwraps inside WebCrypto.
 *
 * The request is `POST <key URI with token=current session token>` with
 * `{ Token, PublicKey }`; the answer `{ ServerPublicKey, Iv, WrappedKey }`. A `403 MediaTokenExpired`
 * refreshes the session once and retries.
 */
import { createKeyExchangeRequest, unwrapKeyFromServer, type KeyExchangeRequest } from '@securevod/crypto';
import { KeyCache } from './key-cache.js';
import { PlayerError, toPlayerError, isTokenExpired } from './errors.js';
import type { KeyExchangeWire, PlayApi } from './play-api.js';
import type { PrivateKeyRef } from './private-playlist.js';
import type { TokenSource } from './session.js';
import { resourceId, withToken } from './url-token.js';

export interface PrivateKeyProviderOptions {
  readonly api: Pick<PlayApi, 'exchangeKey'>;
  /** The current session (read per exchange: it changes when refreshed). */
  readonly session: () => TokenSource;
  /** Aborts exchanges in flight when the player is destroyed. */
  readonly signal?: AbortSignal;
  /** Called after each completed exchange (for `player.stats`). */
  readonly onExchange?: () => void;
}

interface Exchanged {
  readonly request: KeyExchangeRequest;
  readonly wire: KeyExchangeWire;
}

export class PrivateKeyProvider {
  private readonly cache = new KeyCache<CryptoKey>({ retain: true });

  constructor(private readonly options: PrivateKeyProviderOptions) {}

  get(ref: PrivateKeyRef): Promise<CryptoKey> {
    return this.cache.get(resourceId(ref.uri), () => this.exchange(ref));
  }

  clear(): void {
    this.cache.clear();
  }

  private async exchange(ref: PrivateKeyRef): Promise<CryptoKey> {
    const session = this.options.session();
    let exchanged: Exchanged;
    try {
      const token = session.token;
      try {
        exchanged = await this.post(ref, token);
      } catch (error) {
        if (!(error instanceof PlayerError) || !isTokenExpired(error.code)) throw error;
        exchanged = await this.post(ref, await session.refreshAfterRejection(token));
      }
    } catch (error) {
      const failure = toPlayerError(error);
      if (failure.type === 'auth') throw failure;
      throw new PlayerError({
        type: 'key',
        details: 'keyExchangeFailed',
        message: `The key exchange for period ${ref.period} failed: ${failure.message}`,
        ...(failure.code !== undefined && { code: failure.code }),
        ...(failure.status !== undefined && { status: failure.status }),
        cause: failure,
      });
    }
    const { request, wire } = exchanged;
    try {
      const key = await unwrapKeyFromServer({
        privateKey: request.privateKey,
        clientPublicKey: request.publicKey,
        response: { serverPublicKey: wire.ServerPublicKey, iv: wire.Iv, wrappedKey: wire.WrappedKey },
        context: { videoId: ref.videoId, rendition: ref.rendition, period: ref.period },
      });
      this.options.onExchange?.();
      return key;
    } catch (cause) {
      throw new PlayerError({
        type: 'key',
        details: 'keyUnwrapFailed',
        message: `The key for period ${ref.period} could not be unwrapped: the response was not made for this player, video, rendition or period.`,
        cause,
      });
    }
  }

  /** One exchange with a fresh key pair (a key pair answers exactly one request). */
  private async post(ref: PrivateKeyRef, token: string): Promise<Exchanged> {
    const request = await createKeyExchangeRequest();
    const url = withToken(ref.uri, token);
    const wire = await this.options.api.exchangeKey(url, token, request.publicKey, this.options.signal);
    return { request, wire };
  }
}
