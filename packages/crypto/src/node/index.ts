/**
 * @securevod/crypto/node — the server's Node-only fast paths for formats defined in the isomorphic
 * package. Same bytes out as the WebCrypto versions (tests compare them); node:crypto streams
 * instead of whole-buffer WebCrypto calls, so nothing is copied more than once and nothing is
 * held whole. Never bundled for browsers.
 */
export { encryptPackageStream, writePackageStream } from './package-stream.js';
