/**
 * Who is signed in, and for how long. The AccessKey secret lives only inside the session's
 * `VodClient` (memory); with "remember me" it is also written to the `SessionVault`, encrypted.
 * A session ends on sign-out, or after `idleMs` without activity (8 h by default): the console
 * reports activity (input, API calls) with `activity()` and calls `checkIdle()` on a timer and
 * when the tab becomes visible again.
 */
import { ApiRequestError, STS_VERSION, VodClient, type FetchLike } from '../api/vod-client.js';
import { DEFAULT_VAULT_POLICY, type SessionVault } from './credential-vault.js';

export interface SignInInput {
  readonly endpoint: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  /** With STS credentials (AssumeRole's triple): the SecurityToken. */
  readonly securityToken?: string;
  readonly remember: boolean;
}

export interface Session {
  readonly client: VodClient;
  readonly accessKeyId: string;
  readonly endpoint: string;
  readonly remembered: boolean;
  /** "Remember me" was asked for, but the browser's storage refused. */
  readonly rememberFailed?: boolean;
}

export type SignOutReason = 'signed-out' | 'expired' | 'rejected';

export type SessionListener = (session: Session | undefined, reason?: SignOutReason) => void;

/**
 * The action a sign-in calls to prove the key works: STS GetCallerIdentity needs no permission,
 * so a RAM user limited to a few actions can sign in too. Servers without STS get the old probe.
 */
export const SIGN_IN_PROBE_ACTION = 'GetCallerIdentity';
const FALLBACK_PROBE_ACTION = 'ListTranscodeTemplateGroup';

async function probe(client: VodClient): Promise<void> {
  try {
    await client.request(SIGN_IN_PROBE_ACTION, {}, { version: STS_VERSION });
  } catch (error) {
    if (error instanceof ApiRequestError && ['InvalidVersion', 'InvalidApi.NotFound'].includes(error.code)) {
      await client.request(FALLBACK_PROBE_ACTION);
      return;
    }
    throw error;
  }
}

/**
 * Errors that may mean the server no longer accepts the signed-in key. They may also be about
 * a key named in the request (UpdateAccessKey), so the session re-checks with a probe first.
 */
const REJECTED_KEY_CODES: ReadonlySet<string> = new Set([
  'InvalidAccessKeyId.NotFound',
  'InvalidAccessKeyId.Inactive',
  'InvalidSecurityToken.Expired',
]);

/** How often at most activity is written through to a remembered session's record. */
const TOUCH_INTERVAL_MS = 60_000;

export class SessionManager {
  #session: Session | undefined;
  #lastActivity = 0;
  #lastTouch = 0;
  readonly #listeners = new Set<SessionListener>();
  readonly #vault: SessionVault;
  readonly #idleMs: number;
  readonly #now: () => number;
  readonly #fetch: FetchLike | undefined;

  constructor(options: { vault: SessionVault; idleMs?: number; now?: () => number; fetch?: FetchLike }) {
    this.#vault = options.vault;
    this.#idleMs = options.idleMs ?? DEFAULT_VAULT_POLICY.idleMs;
    this.#now = options.now ?? Date.now;
    this.#fetch = options.fetch;
  }

  get current(): Session | undefined {
    return this.#session;
  }

  subscribe(listener: SessionListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Verifies the pair with one signed call, then starts the session. Rejects with the API's error. */
  async signIn(input: SignInInput): Promise<Session> {
    const client = this.#client({
      endpoint: input.endpoint,
      accessKeyId: input.accessKeyId.trim(),
      accessKeySecret: input.accessKeySecret,
      ...(input.securityToken ? { securityToken: input.securityToken.trim() } : {}),
    });
    await probe(client);
    // A remembered session from before (maybe another key) must not outlive this sign-in.
    // Storage failures (IndexedDB disabled, private windows) never block signing in: the
    // session then simply lives in memory only.
    await this.#vault.clear().catch(() => undefined);
    let remembered = false;
    if (input.remember) {
      remembered = await this.#vault
        .save({
          endpoint: client.endpoint,
          accessKeyId: client.accessKeyId,
          accessKeySecret: input.accessKeySecret,
          ...(input.securityToken ? { securityToken: input.securityToken.trim() } : {}),
        })
        .then(
          () => true,
          () => false,
        );
    }
    return this.#start({
      client,
      accessKeyId: client.accessKeyId,
      endpoint: client.endpoint,
      remembered,
      rememberFailed: input.remember && !remembered,
    });
  }

  /** Resumes a remembered session, if one is stored and still valid. */
  async restore(): Promise<Session | undefined> {
    const stored = await this.#vault.load();
    if (!stored) return undefined;
    const client = this.#client(stored);
    return this.#start({
      client,
      accessKeyId: stored.accessKeyId,
      endpoint: stored.endpoint,
      remembered: true,
    });
  }

  /** Records activity; remembered sessions get their idle deadline extended (at most once a minute). */
  activity(): void {
    if (!this.#session) return;
    const now = this.#now();
    this.#lastActivity = now;
    if (this.#session.remembered && now - this.#lastTouch >= TOUCH_INTERVAL_MS) {
      this.#lastTouch = now;
      void this.#vault.touch().catch(() => undefined);
    }
  }

  /** Ends the session if it has been idle too long; true when it did. */
  async checkIdle(): Promise<boolean> {
    if (!this.#session || this.#now() - this.#lastActivity <= this.#idleMs) return false;
    await this.signOut('expired');
    return true;
  }

  /** Forgets the session everywhere: memory and the vault. */
  async signOut(reason: SignOutReason = 'signed-out'): Promise<void> {
    const had = this.#session !== undefined;
    this.#session = undefined;
    await this.#vault.clear().catch(() => undefined);
    if (had) for (const listener of this.#listeners) listener(undefined, reason);
  }

  #client(credentials: {
    endpoint: string;
    accessKeyId: string;
    accessKeySecret: string;
    securityToken?: string;
  }): VodClient {
    const client: VodClient = new VodClient({
      ...credentials,
      ...(this.#fetch ? { fetch: this.#fetch } : {}),
      onApiError: (error) => {
        // Only the live session's key is signed out; a failed sign-in attempt just reports.
        if (REJECTED_KEY_CODES.has(error.code) && this.#session?.client === client) {
          void this.#recheck(client);
        }
      },
    });
    return client;
  }

  /** Signs out when the probe confirms that the server rejects the session's own key. */
  async #recheck(client: VodClient): Promise<void> {
    try {
      await probe(client);
    } catch (error) {
      const code = (error as { code?: string }).code ?? '';
      if (REJECTED_KEY_CODES.has(code) && this.#session?.client === client) await this.signOut('rejected');
    }
  }

  #start(session: Session): Session {
    this.#session = session;
    this.#lastActivity = this.#now();
    this.#lastTouch = this.#lastActivity;
    for (const listener of this.#listeners) listener(session);
    return session;
  }
}
