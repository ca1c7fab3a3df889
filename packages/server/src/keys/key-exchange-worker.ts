/**
 * A key-exchange pool worker (key-exchange-pool.ts): `ServerKeyExchange.wrapRaw` on a key pair of
 * its own, rotated on its own timer. Takes a batch of exchanges packed in one moved buffer — per
 * exchange the period key's length (1 byte) and bytes, the context's length (2 bytes) and bytes,
 * the client's 65-byte raw key — zeroes it once done, and answers the batch in one message: per
 * exchange `[id, serverPublicKey, iv, wrappedKey]`, or `[id, 'InvalidPublicKey' | 'Failed']`.
 * Never logs.
 */
import { KeyExchangeError } from '@securevod/crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { ServerKeyExchange } from './server-key-exchange.js';

type Reply = [number, string, string, string] | [number, 'InvalidPublicKey' | 'Failed'];

const port = parentPort!;
const exchange = new ServerKeyExchange({
  rotateAfterMs: (workerData as { rotateAfterMs: number }).rotateAfterMs,
});

port.on('message', ({ ids, data }: { ids: number[]; data: Uint8Array }) => {
  const replies: Reply[] = [];
  let at = 0;
  for (const id of ids) {
    const keyLength = data[at++]!;
    const periodKey = data.subarray(at, (at += keyLength));
    const contextLength = (data[at++]! << 8) | data[at++]!;
    const ctx = data.subarray(at, (at += contextLength));
    const clientRaw = Buffer.from(data.buffer, data.byteOffset + at, 65);
    at += 65;
    replies.push(wrapOne(id, clientRaw, periodKey, ctx));
  }
  data.fill(0);
  port.postMessage(replies);
});

function wrapOne(id: number, clientRaw: Buffer, periodKey: Uint8Array, ctx: Uint8Array): Reply {
  try {
    const sealed = exchange.wrapRaw(clientRaw, periodKey, ctx);
    return [id, sealed.serverPublicKey, sealed.iv, sealed.wrappedKey];
  } catch (error) {
    return [id, error instanceof KeyExchangeError ? 'InvalidPublicKey' : 'Failed'];
  }
}
