/**
 * From a request's AccessKeyId (and SecurityToken) to what the RPC layer needs: the secret to
 * verify the signature with (`findAccessKey`, the endpoint's FindAccessKey), and afterwards the
 * principal the policies are evaluated for (`principalOf`).
 *
 * `STS.` keys are never stored: the token is opened (access/sts-token.ts) and must belong to the
 * key. Long-term keys are looked up in the AccessKey store; one that sends a SecurityToken is
 * refused, so a token can never ride along on a permanent key.
 */
import type { AccessKeyService } from '../auth/access-key-service.js';
import { accessErrors } from '../errors/access-errors.js';
import type { Caller } from '../rpc/rpc-types.js';
import type { RamUserStore } from '../store/ram-user-store.js';
import type { Principal } from './principal.js';
import { STS_KEY_PREFIX, StsTokenError, type StsClaims, type StsTokenCodec } from './sts-token.js';

export interface CredentialResolverDeps {
  accessKeys: AccessKeyService;
  users: RamUserStore;
  sts: StsTokenCodec;
  accountId: string;
  now?: () => number;
}

export class CredentialResolver {
  private readonly now: () => number;

  constructor(private readonly deps: CredentialResolverDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** The endpoint's FindAccessKey: throws the reference's InvalidSecurityToken.* / MissingSecurityToken. */
  readonly findAccessKey = async (
    accessKeyId: string,
    securityToken?: string,
  ): Promise<{ secret: string; active: boolean } | undefined> => {
    if (accessKeyId.startsWith(STS_KEY_PREFIX)) {
      if (securityToken === undefined) throw accessErrors.tokenMissing();
      return { secret: this.openToken(accessKeyId, securityToken).secret, active: true };
    }
    const key = await this.deps.accessKeys.find(accessKeyId);
    if (key && securityToken !== undefined) throw accessErrors.tokenMismatch();
    return key && { secret: key.secret, active: key.active };
  };

  /** The principal of an authenticated caller. */
  async principalOf(caller: Caller): Promise<Principal> {
    const { accountId } = this.deps;
    const { accessKeyId, securityToken } = caller;
    if (accessKeyId.startsWith(STS_KEY_PREFIX)) {
      return {
        kind: 'role-session',
        accountId,
        accessKeyId,
        session: this.openToken(accessKeyId, securityToken ?? '').claims,
      };
    }
    const key = await this.deps.accessKeys.find(accessKeyId);
    // Deleted between authentication and now: refuse like an unknown key.
    if (!key) throw accessErrors.userKeyNotFound();
    if (key.userId === null) return { kind: 'root', accountId, accessKeyId };
    const user = await this.deps.users.findById(key.userId);
    if (!user) throw accessErrors.userNotFound();
    return { kind: 'user', accountId, accessKeyId, userId: user.userId, userName: user.userName };
  }

  private openToken(accessKeyId: string, token: string): { claims: StsClaims; secret: string } {
    try {
      return this.deps.sts.open(token, accessKeyId, Math.floor(this.now() / 1000));
    } catch (error) {
      if (!(error instanceof StsTokenError)) throw error;
      if (error.problem === 'Expired') throw accessErrors.tokenExpired();
      if (error.problem === 'MismatchWithAccessKey') throw accessErrors.tokenMismatch();
      throw accessErrors.tokenMalformed();
    }
  }
}
