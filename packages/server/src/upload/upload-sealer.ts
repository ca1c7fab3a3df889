/**
 * The upload endpoint's hook for storing upload bodies in another form than they arrive (the
 * server encrypts sources: `source/source-vault.ts`). Without a sealer, objects and parts are
 * stored as uploaded. The endpoint checks Content-Length and Content-MD5 on the plaintext first,
 * and reports the plaintext size and MD5 to `onObjectComplete`.
 *
 * Multipart parts are sealed on their own as they arrive (in any order, concurrently); completion
 * unseals them in part order and seals the whole object afresh, streaming.
 */

/** Which multipart part a body is; absent for the object itself. */
export interface PartRef {
  readonly uploadId: string;
  readonly partNumber: number;
}

export interface UploadSealer {
  /** The stored form of `plaintext`, an upload to `objectKey` (or a part of one). */
  seal(
    objectKey: string,
    part: PartRef | undefined,
    plaintext: AsyncIterable<Uint8Array>,
  ): Promise<AsyncIterable<Uint8Array>>;
  /** The plaintext of a stored form made by `seal`, read front to back. */
  unseal(
    objectKey: string,
    part: PartRef | undefined,
    stored: AsyncIterable<Uint8Array>,
    storedSize: number,
  ): Promise<AsyncIterable<Uint8Array>>;
  /** The plaintext size of a stored form of `storedSize` bytes (ListParts, the minimum part size). */
  plaintextSize(objectKey: string, part: PartRef | undefined, storedSize: number): number;
}

/** Passes `body` through, counting its bytes and hashing them (MD5), for the plaintext ETag. */
export function measured(body: AsyncIterable<Uint8Array>, hash: { update(b: Uint8Array): unknown }) {
  const result = { size: 0 };
  async function* pass() {
    for await (const chunk of body) {
      result.size += chunk.byteLength;
      hash.update(chunk);
      yield chunk;
    }
  }
  return { body: pass(), result };
}
