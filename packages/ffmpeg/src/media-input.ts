/**
 * How ffmpeg and ffprobe are told where their input is: a local file path, or an `http:` URL
 * (the worker's loopback source endpoint, which serves the decrypted source with Range). A path
 * gets `file:` so one that looks like a protocol ("concat:", "http:") stays a plain local file;
 * a URL is allowed only over http and tcp (no file, concat or other protocols).
 */
export type MediaInput = string | URL;

export function mediaInputArgs(input: MediaInput): string[] {
  if (typeof input === 'string') return ['-i', `file:${input}`];
  if (input.protocol !== 'http:') throw new TypeError(`unsupported input protocol ${input.protocol}`);
  return ['-protocol_whitelist', 'http,tcp', '-i', input.href];
}
