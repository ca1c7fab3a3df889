/**
 * Serving a WebVTT thumbnail track (a sprite's `thumbnails.vtt`, snapshot jobs): like a playlist,
 * the track names other objects (the sprite sheets) by relative URI, and each needs its own
 * authorisation. The media role rewrites every cue payload that is a relative URI into one that
 * carries the same media token and, with URL signing on, an `auth_key` for its own path; the
 * `#xywh=` fragment is kept. Anything else in the file is copied as is.
 */
import {
  createMediaUriSigner,
  MEDIA_PATH_PREFIX,
  type MediaGrant,
  type MediaUriSignerOptions,
} from './media-access.js';

export function rewriteThumbnailTrack(
  text: string,
  grant: MediaGrant,
  opts: MediaUriSignerOptions = {},
): string {
  const sign = createMediaUriSigner(grant, opts);
  const base = `${MEDIA_PATH_PREFIX}${grant.videoId}/${grant.object}`;
  const lines = text.split(/\r?\n/);
  let inCue = false;
  return lines
    .map((line) => {
      if (line.includes('-->')) {
        inCue = true;
        return line;
      }
      if (line.trim() === '') {
        inCue = false;
        return line;
      }
      // A cue payload of one relative URI (`sprite-00001.jpg#xywh=0,0,160,90`).
      if (
        !inCue ||
        !/^[A-Za-z0-9_-][A-Za-z0-9._/-]*(#[A-Za-z0-9=,:.]*)?$/.test(line) ||
        line.includes('..')
      ) {
        return line;
      }
      const [file = '', fragment] = line.split('#');
      const path = new URL(file, `http://x${base}`).pathname;
      const query = sign(path, { kind: 'segment', tag: null, query: '' });
      return `${file}${query ? `?${query}` : ''}${fragment !== undefined ? `#${fragment}` : ''}`;
    })
    .join('\n');
}
