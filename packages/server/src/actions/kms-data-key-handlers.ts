/**
 * GenerateKMSDataKey / DecryptKMSDataKey (reference §2.13): the KMS exposed to customers who
 * run their own HLS key service. Data keys are AES_128 (16 bytes), Plaintext is base64, and the
 * CiphertextBlob is bound to the purpose `customer-data-key`, so blobs wrapping our own video
 * keys or secrets can never be decrypted through this action.
 */
import { apiErrors } from '../errors/api-error.js';
import { KmsError, type Kms } from '../kms/kms.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';

export const CUSTOMER_DATA_KEY_CONTEXT = { purpose: 'customer-data-key' } as const;

export function generateKmsDataKeyHandler(deps: { kms: Kms }): ActionHandler {
  return async () => {
    const key = await deps.kms.generateDataKey({ bytes: 16, context: CUSTOMER_DATA_KEY_CONTEXT });
    return {
      KeyId: key.keyId,
      CiphertextBlob: key.ciphertextBlob,
      Plaintext: Buffer.from(key.plaintext).toString('base64'),
    };
  };
}

export function decryptKmsDataKeyHandler(deps: { kms: Kms }): ActionHandler {
  return async ({ params }) => {
    const cipherText = params.required('CipherText');
    try {
      const { keyId, plaintext } = await deps.kms.decrypt(cipherText, CUSTOMER_DATA_KEY_CONTEXT);
      return { KeyId: keyId, Plaintext: Buffer.from(plaintext).toString('base64') };
    } catch (error) {
      if (error instanceof KmsError && error.code !== 'KmsUnavailable') {
        throw apiErrors.invalidParameter(
          'CipherText',
          'It is not a data key issued by GenerateKMSDataKey of this service, or it was altered.',
        );
      }
      throw error;
    }
  };
}
