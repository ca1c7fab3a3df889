/**
 * The contract between the RPC endpoint and what plugs into it: action handlers (grouped by API
 * version), the AccessKey lookup, and the authorisation hook. The endpoint authenticates a
 * request (signature v1 or V3), hands the handler an `RpcRequest` naming the caller, and never
 * lets a handler see a request whose signature, timestamp or nonce failed.
 */
import type { RpcParams } from './rpc-params.js';

/** Who signed the request: the AccessKeyId, and the STS token when one was sent. */
export interface Caller {
  readonly accessKeyId: string;
  /** `SecurityToken` (v1) or `x-acs-security-token` (V3); absent for long-term AccessKeys. */
  readonly securityToken?: string;
}

export interface RpcRequest {
  /** Query and form-body parameters merged (for V3 without Action/Version, which are headers). */
  readonly params: RpcParams;
  readonly requestId: string;
  readonly caller: Caller;
  /** The action and API version the request named (`Action`/`Version`, or `x-acs-action`/`x-acs-version`). */
  readonly action: string;
  readonly version: string;
  readonly clientIp: string;
  /** Whether the request arrived over TLS (for `acs:SecureTransport`). */
  readonly secureTransport: boolean;
}

export type ActionHandler = (request: RpcRequest) => Promise<Record<string, unknown>>;

/** The actions of one API version, by name (`GetPlayInfo` → handler). */
export type ApiActions = Readonly<Record<string, ActionHandler>>;

/** Every API the endpoint serves, by version (`'2017-03-21'` → VOD actions). */
export type ApiRegistry = Readonly<Record<string, ApiActions>>;

/** What the endpoint needs to know about an AccessKey to verify a signature. */
export interface AccessKeyRecord {
  /** The plaintext AccessKeySecret: HMAC verification needs it, as in the cloud API. */
  readonly secret: string;
  /** False for a disabled key: it still verifies (so the error is precise) but is refused. */
  readonly active: boolean;
}

/**
 * Looks up an AccessKey for signature verification; undefined if unknown. `securityToken` is the
 * STS token the request carried (v1 `SecurityToken`, V3 `x-acs-security-token`). An
 * implementation that validates tokens throws an `ApiError` for an expired, altered or
 * mismatched one (`InvalidSecurityToken.*`).
 */
export type FindAccessKey = (
  accessKeyId: string,
  securityToken?: string,
) => Promise<AccessKeyRecord | undefined>;

/**
 * Called after the signature, timestamp and nonce checks and before the handler: the one place
 * where policies are evaluated. Throws an `ApiError` (e.g. `Forbidden`, 403) to refuse.
 */
export type Authorize = (request: RpcRequest) => Promise<void>;
