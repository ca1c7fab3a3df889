/**
 * The one catalogue of every error code the server sends to clients: code → HTTP status →
 * message. Codes, statuses and messages follow the ApsaraVideo VOD reference where it has them
 * (REF §1.7 and the per-action tables); codes of our own are marked in docs/api.md.
 *
 * A message is a template: `{name}` placeholders are filled by the factory that raises the error
 * (`apiErrors.missingParameter('VideoId')`), and a factory may append a detail sentence saying
 * what exactly was wrong. Messages never carry secrets (keys, tokens, signatures).
 *
 * `surfaces` says where a code is sent: `rpc` = the RPC API (`{RequestId, HostId, Code, Message,
 * Recommend}`), `player` = the player-facing endpoints (`/play`, `/media`, `/keys`, `/download`;
 * `{RequestId, Code, Message}`, read by the player SDK, whose table of server codes a test checks
 * against this one), `static` = the file routes, `ops` = the operations endpoints (`/metrics`). The OSS-style upload endpoint speaks OSS's own
 * XML with OSS's codes: they are in the separate `oss-error-catalogue.ts`.
 *
 * `test/errors/error-catalogue.test.ts` fails if the server source raises a code that is not
 * here, or if docs/api.md does not list one that is.
 */
import { ACCESS_ERROR_TABLE } from './access-error-table.js';

export type Surface = 'rpc' | 'player' | 'static' | 'ops';

export interface ErrorDefinition {
  readonly status: number;
  /** Other statuses the vendor uses for the same code in some actions (documented per use). */
  readonly otherStatuses?: readonly number[];
  readonly message: string;
  readonly surfaces: readonly Surface[];
}

const RPC = ['rpc'] as const;
const PLAYER = ['player'] as const;
const BOTH = ['rpc', 'player'] as const;

export const ERROR_CATALOGUE = {
  // Common to every action (REF §1.6–1.7, vod-api-more §1.7).
  MissingParameter: {
    status: 400,
    message: 'The input parameter "{name}" that is mandatory for processing this request is not supplied.',
    surfaces: BOTH,
  },
  InvalidParameter: {
    status: 400,
    message: 'The specified parameter "{name}" is not valid.',
    surfaces: BOTH,
  },
  SignatureDoesNotMatch: {
    status: 400,
    message: 'Specified signature is not matched with our calculation.',
    surfaces: RPC,
  },
  IncompleteSignature: {
    status: 400,
    message: 'The request signature does not conform to Aliyun standards.',
    surfaces: RPC,
  },
  'InvalidAccessKeyId.NotFound': {
    status: 404,
    message: 'Specified access key is not found.',
    surfaces: RPC,
  },
  'InvalidAccessKeyId.Inactive': { status: 403, message: 'Specified access key is disabled.', surfaces: RPC },
  SignatureNonceUsed: { status: 400, message: 'Specified signature nonce was used already.', surfaces: RPC },
  'InvalidTimeStamp.Expired': {
    status: 400,
    message: 'Specified time stamp or date value is expired.',
    surfaces: RPC,
  },
  'InvalidTimeStamp.Format': {
    status: 400,
    message: 'Specified time stamp or date value is not well formatted.',
    surfaces: RPC,
  },
  InvalidVersion: {
    status: 400,
    message: 'Specified parameter Version "{version}" is not valid. This service implements {supported}.',
    surfaces: RPC,
  },
  'InvalidApi.NotFound': {
    status: 404,
    message: 'Specified api is not found,please check your url and method.',
    surfaces: RPC,
  },
  Forbidden: {
    status: 403,
    message: 'User not authorized to operate on the specified resource.',
    surfaces: RPC,
  },
  Throttling: { status: 400, message: 'Request was denied due to request throttling.', surfaces: RPC },
  // The vendor's per-user flow control (REF §1.7: the code and message are seen in SDK errors, the
  // status is unconfirmed; we use the 400 of Throttling). Per AccessKey (http/rate-limits.ts).
  'Throttling.User': { status: 400, message: 'Request was denied due to user flow control.', surfaces: RPC },
  InternalError: {
    status: 500,
    message: 'The request processing has failed due to some unknown error.',
    surfaces: BOTH,
  },
  ServiceUnAvailable: {
    status: 503,
    message: 'The request has failed due to a temporary failure of the server.',
    surfaces: RPC,
  },

  // Videos, template groups and playback (REF §2.4–§2.14).
  'InvalidVideo.NotFound': { status: 404, message: 'The video does not exist.', surfaces: BOTH },
  'InvalidFile.NotFound': {
    status: 404,
    message: 'The source file of the video does not exist.',
    surfaces: RPC,
  },
  'Forbidden.IllegalStatus': {
    status: 403,
    otherStatuses: [400],
    message: 'Status of the video is illegal. Current Status is {status}.',
    surfaces: BOTH,
  },
  'InvalidFileName.Extension': {
    status: 400,
    message: "The specified FileName's extension is illegal.",
    surfaces: RPC,
  },
  LengthExceededMax: {
    status: 400,
    message: 'The specified {name} length has exceeded {max} bytes.',
    surfaces: RPC,
  },
  TagsExceededMax: { status: 400, message: 'The specified Tags count has exceeded 16.', surfaces: RPC },
  'InvalidTemplateGroupId.NotFound': {
    status: 404,
    message: 'The specified TemplateGroupId does not exist.',
    surfaces: RPC,
  },
  'InvalidTranscodeTemplateGroup.NotFound': {
    status: 404,
    message: 'The transcode template group does not exist.',
    surfaces: RPC,
  },
  NoSuchResource: {
    status: 404,
    message: 'The specified resource {resource} does not exist.',
    surfaces: RPC,
  },
  'Forbidden.LockedTemplateGroup': {
    status: 403,
    message: 'The template group is locked; unlock it with UpdateTranscodeTemplateGroup Locked=Disabled.',
    surfaces: RPC,
  },
  'Forbidden.SpecialTemplateGroup': {
    status: 403,
    message: 'The "no transcoding" template group cannot be changed or deleted.',
    surfaces: RPC,
  },
  'Forbidden.DefaultTemplateGroup': {
    status: 403,
    message: 'The default template group cannot be deleted; make another group the default first.',
    surfaces: RPC,
  },
  TemplateGroupsExceededMax: {
    status: 400,
    message: 'At most 20 template groups can be created.',
    surfaces: RPC,
  },
  VideoIdsExceededMax: {
    status: 400,
    message: 'The specified VideoIds count has exceeded 20.',
    surfaces: RPC,
  },
  VideoListExceededMax: {
    status: 400,
    message: 'At most 5000 videos can be paged through; narrow the range with StartTime and EndTime.',
    surfaces: RPC,
  },
  'InvalidVideo.NoneStream': {
    status: 404,
    message: 'The video has no stream to play for the request parameters ({what}).',
    surfaces: BOTH,
  },
  'Forbidden.AliyunVoDEncryption': {
    status: 403,
    message:
      'Currently only the AliyunVoDEncryption stream exists, you must use the Aliyun player to play or set the value of ResultType to Multiple.',
    surfaces: RPC,
  },
  'InvalidParameter.SessionId': {
    status: 400,
    message: 'The specified SessionId was already used within 7 days.',
    surfaces: RPC,
  },

  // Categories, media search, URL pull upload, stream deletion, batch updates (vod-api-more §5–§7).
  'InvalidCateId.NotFound': { status: 404, message: 'The CateId not exist.', surfaces: RPC },
  LevelExceededMax: { status: 400, message: 'The level of categories exceeded maximum.', surfaces: RPC },
  SubTotalExceededMax: {
    status: 400,
    message: 'The total of sub categories exceeded maximum.',
    surfaces: RPC,
  },
  SortByExceededMax: {
    status: 400,
    message: 'The SortBy parameter only supports one sort field when traversing all data.',
    surfaces: RPC,
  },
  'InvalidParameter.UploadURLs': {
    status: 400,
    message: 'The specified parameter UploadURLs is not valid.',
    surfaces: RPC,
  },
  JobIdsExceededMax: { status: 400, message: 'The JobIds exceeded maximum.', surfaces: RPC },
  'InvalidStream.NotFound': { status: 404, message: 'The stream does not exist.', surfaces: RPC },
  DeleteStreamFailed: {
    status: 503,
    message: 'Deleting stream has failed due to some unknown error.',
    surfaces: RPC,
  },
  CountExceededMax: { status: 400, message: 'The specified {name} count has exceeded {max}.', surfaces: RPC },

  // Downloads and app keys (our extension of the vendor's secure download).
  'Forbidden.DownloadDisabled': {
    status: 403,
    message: 'Downloads are switched off for this {scope}.',
    surfaces: PLAYER,
  },
  'Forbidden.AppNotRegistered': {
    status: 403,
    message:
      'App {app} has no active download secret: register it with GenerateDownloadSecretKey (its versions may all be revoked).',
    surfaces: PLAYER,
  },
  'Forbidden.NotDownloadable': {
    status: 403,
    message: 'This stream uses a customer-managed key and cannot be downloaded.',
    surfaces: PLAYER,
  },
  // Concurrent-stream limits (our extension, DESIGN §9): a new session over the viewer's limit, or
  // a request of a session a newer one ended. Read by viewers through the SDK: plain words.
  'Forbidden.ConcurrentStreams': {
    status: 403,
    message:
      'This account is already watching on the most screens allowed at once. Stop playback on another screen, then try again.',
    surfaces: BOTH,
  },
  'Forbidden.DownloadSecretRevoked': {
    status: 403,
    message:
      'Secret version {version} of app {app} has been revoked: its packages cannot be renewed; download the video again with a current key file.',
    surfaces: PLAYER,
  },
  'InvalidSecretVersion.NotFound': {
    status: 404,
    message: 'App {app} has no download secret version {version}.',
    surfaces: RPC,
  },

  // Player-facing credentials (our own codes). All refusals of a credential are 403, as a type-A
  // CDN answers a bad auth_key (REF §4.1), each with its own code so logs and the SDK can tell an
  // expired link from a forged one.
  PlayAuthMissing: { status: 403, message: 'A PlayAuth is required.', surfaces: PLAYER },
  PlayAuthInvalid: {
    status: 403,
    message: 'The PlayAuth is malformed or its signature does not match.',
    surfaces: PLAYER,
  },
  PlayAuthExpired: {
    status: 403,
    message: 'The PlayAuth has expired; ask the application for a new one.',
    surfaces: PLAYER,
  },
  PlayAuthWrongVideo: {
    status: 403,
    message: 'The PlayAuth was issued for another video.',
    surfaces: PLAYER,
  },
  PlayAuthWrongClient: {
    status: 403,
    message: 'The PlayAuth was issued for another client address.',
    surfaces: PLAYER,
  },
  MediaTokenMissing: { status: 403, message: 'The media URL carries no token.', surfaces: PLAYER },
  MediaTokenInvalid: {
    status: 403,
    message: 'The media token is malformed or its signature does not match.',
    surfaces: PLAYER,
  },
  MediaTokenExpired: {
    status: 403,
    message: 'The media URL has expired; request new play info.',
    surfaces: PLAYER,
  },
  MediaTokenWrongVideo: {
    status: 403,
    message: 'The media token was issued for another video.',
    surfaces: PLAYER,
  },
  MediaTokenWrongClient: {
    status: 403,
    message: 'The media token was issued for another client address.',
    surfaces: PLAYER,
  },
  AuthKeyMissing: { status: 403, message: 'The URL carries no auth_key.', surfaces: PLAYER },
  AuthKeyInvalid: {
    status: 403,
    message: 'The auth_key is malformed or does not match this URL.',
    surfaces: PLAYER,
  },
  AuthKeyExpired: { status: 403, message: 'The auth_key has expired.', surfaces: PLAYER },
  HlsKeyTokenMissing: {
    status: 403,
    message: 'The key request carries no MtsHlsUriToken.',
    surfaces: PLAYER,
  },
  HlsKeyTokenInvalid: {
    status: 403,
    message: 'The MtsHlsUriToken is malformed or its signature does not match.',
    surfaces: PLAYER,
  },
  HlsKeyTokenExpired: { status: 403, message: 'The MtsHlsUriToken has expired.', surfaces: PLAYER },
  HlsKeyTokenWrongVideo: {
    status: 403,
    message: 'The MtsHlsUriToken was issued for another video.',
    surfaces: PLAYER,
  },
  HlsKeyTokenWrongRendition: {
    status: 403,
    message: 'The MtsHlsUriToken was issued for another rendition.',
    surfaces: PLAYER,
  },
  HlsKeyTokenWrongPeriod: {
    status: 403,
    message: 'The MtsHlsUriToken was issued for another key period.',
    surfaces: PLAYER,
  },
  HlsKeyTokenWrongClient: {
    status: 403,
    message: 'The MtsHlsUriToken was issued for another client address.',
    surfaces: PLAYER,
  },
  /** The SDK's ECDH public key is not a P-256 point. */
  InvalidPublicKey: {
    status: 400,
    message: 'The client public key is not a valid P-256 point.',
    surfaces: PLAYER,
  },
  /** The video exists but may not be played (status other than Normal). */
  VideoNotPlayable: {
    status: 403,
    message: 'The video cannot be played in its current status.',
    surfaces: PLAYER,
  },
  /** No such playlist, segment or rendition — also for paths that are not media paths at all. */
  MediaNotFound: { status: 404, message: 'The requested media does not exist.', surfaces: PLAYER },
  KeyNotFound: { status: 404, message: 'The requested key does not exist.', surfaces: PLAYER },
  /** Rate limit of /play, /keys, /download per client address, or of /keys per token (ours). */
  TooManyRequests: {
    status: 429,
    message: 'Too many requests from this client or with this token; retry after Retry-After seconds.',
    surfaces: PLAYER,
  },

  // Access control: RAM, STS, VOD apps (access-error-table.ts).
  ...ACCESS_ERROR_TABLE,

  // Static files (SDK bundle, demo pages, console).
  NotFound: { status: 404, message: 'The requested file does not exist.', surfaces: ['static'] },

  // Operations endpoints (ops/ops-routes.ts): /metrics with SECUREVOD_METRICS_TOKEN set.
  Unauthorized: {
    status: 401,
    message: 'GET /metrics needs Authorization: Bearer <SECUREVOD_METRICS_TOKEN>.',
    surfaces: ['ops'],
  },
} as const satisfies Record<string, ErrorDefinition>;

export type ErrorCode = keyof typeof ERROR_CATALOGUE;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

/**
 * The message of `code` with its `{placeholders}` filled from `values` (a missing value leaves
 * the placeholder empty) and `detail`, when given, appended as a further sentence.
 */
export function catalogueMessage(
  code: ErrorCode,
  values: Readonly<Record<string, string | number>> = {},
  detail?: string,
): string {
  const template: string = ERROR_CATALOGUE[code].message;
  const filled = template.replace(/\{(\w+)\}/g, (_m, name: string) =>
    values[name] === undefined ? '' : String(values[name]),
  );
  return detail ? `${filled} ${detail}` : filled;
}

/** The HTTP status of `code`; `status` picks one of its documented other statuses. */
export function catalogueStatus(code: ErrorCode, status?: number): number {
  const entry: ErrorDefinition = ERROR_CATALOGUE[code];
  if (status === undefined || status === entry.status) return entry.status;
  if (entry.otherStatuses?.includes(status)) return status;
  throw new TypeError(`HTTP ${status} is not a catalogued status of ${code}`);
}
