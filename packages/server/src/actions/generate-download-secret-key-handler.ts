/**
 * GenerateDownloadSecretKey (reference §2.1, DESIGN §6): AppIdentification + AppDecryptKey →
 * AppEncryptKey, the base64 of a key file (docs/formats.md). Each call issues a new version.
 */
import type { DownloadSecretService } from '../download/download-secret-service.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';

export function generateDownloadSecretKeyHandler(deps: {
  downloadSecrets: DownloadSecretService;
}): ActionHandler {
  return async ({ params }) => {
    const appIdentification = params.required('AppIdentification');
    const appDecryptKey = params.required('AppDecryptKey');
    const issued = await deps.downloadSecrets.issue(appIdentification, appDecryptKey);
    return {
      AppEncryptKey: issued.appEncryptKey,
      // Our extensions: which app (normalised) and which secret version the key file carries.
      AppIdentification: issued.appIdentification,
      SecretVersion: issued.secretVersion,
    };
  };
}
