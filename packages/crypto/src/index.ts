/**
 * @securevod/crypto — isomorphic securevod formats on WebCrypto (Node 20 and browsers). Everything
 * public is exported from here; import from '@securevod/crypto', not from individual files.
 */
export * from './bytes.js';
export * from './app-identification.js';
export * from './app-decrypt-key.js';
export * from './key-file.js';
export * from './key-derivation.js';
export * from './segment-crypto.js';
export * from './key-exchange.js';
export * from './offline-package.js';
export * from './rpc-signature.js';
export * from './rpc-signature-v3.js';
