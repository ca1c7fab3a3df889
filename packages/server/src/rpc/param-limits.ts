/**
 * Length limits of RPC parameters, checked at the boundary for every action before the handler
 * runs (issue 11 item 6): `LengthExceededMax` ("The specified <Name> length has exceeded <N>
 * bytes.", reference §2.4) naming the parameter. Where the reference gives a limit it is used;
 * the handlers keep their finer checks (a RAM policy's `InvalidParameter.PolicyDocument.Length`,
 * Tags' per-tag limit), so a limit here is never lower than an action's own.
 *
 * Every other parameter is held to `DEFAULT_PARAM_MAX_BYTES`: nothing the API takes as a plain
 * string is longer, and JSON-valued parameters have their own, larger, entries.
 */
import { catalogued } from '../errors/api-error.js';

export const DEFAULT_PARAM_MAX_BYTES = 4096;

export const PARAM_MAX_BYTES: Readonly<Record<string, number>> = {
  // CreateUploadVideo and the video fields (reference §2.4).
  Title: 128,
  Description: 1024,
  CoverURL: 1024,
  Tags: 16 * 33,
  // Ours: an object key (hence the name it is derived from) is at most 1023 bytes, as in OSS.
  FileName: 1023,
  // Ours: a storage location is a host name (at most 253 bytes).
  StorageLocation: 253,
  // SetMessageCallback (reference §3.1).
  CallbackURL: 256,
  AuthKey: 32,
  // SubmitTranscodeJobs SessionId (≤50 characters).
  SessionId: 50,
  // JSON-valued parameters.
  UserData: 16 * 1024,
  PlayConfig: 4096,
  EncryptConfig: 8192,
  OverrideParams: 16 * 1024,
  TranscodeTemplateList: 64 * 1024,
  UploadURLs: 32 * 1024,
  UploadMetadatas: 64 * 1024,
  UpdateContent: 64 * 1024,
  // RAM: the handler refuses more than 6,144 characters with its own code.
  PolicyDocument: 64 * 1024,
  Policy: 64 * 1024,
  // STS: "do not specify a maximum length" (ram-sts.md); ours carry the inline policy.
  SecurityToken: 64 * 1024,
};

/** Throws `LengthExceededMax` for the first parameter over its limit. */
export function checkParamLengths(params: Readonly<Record<string, string>>): void {
  for (const [name, value] of Object.entries(params)) {
    const max = Object.hasOwn(PARAM_MAX_BYTES, name) ? PARAM_MAX_BYTES[name]! : DEFAULT_PARAM_MAX_BYTES;
    // Cheap first: a string of ≤ max/3 UTF-16 units cannot exceed max UTF-8 bytes.
    if (value.length * 3 > max && Buffer.byteLength(value) > max) {
      throw catalogued('LengthExceededMax', { name, max });
    }
  }
}
