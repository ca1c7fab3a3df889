/** The fuzz helpers live with the crypto package's tests (the package every other one builds on). */
export * from '../../../crypto/test/support/fuzz.js';
