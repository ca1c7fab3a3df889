/**
 * Rewrites a playlist as the media role serves it (DESIGN §5, "Segments stay cacheable"): every
 * URI inside — variant playlists, segments, `EXT-X-MAP`, `EXT-X-MEDIA`, `EXT-X-KEY` and any other
 * `#EXT…:` tag with a `URI="…"` attribute — becomes an absolute path with a signing query, so a
 * third-party player that was given one signed playlist URL reaches everything it names. Pure:
 * text in, text out; the caller's `sign` decides what the query is (`media-access.ts`).
 *
 * URI handling (RFC 8216 §4.1: relative URIs resolve against the playlist's URI):
 *   - relative and absolute paths → resolved against `playlistPath` (so `..` is collapsed before
 *     `sign` sees the path), query kept, `sign(path, info)` appended with `&` or `?`;
 *   - http(s) URLs on one of `ownOrigins` → the same, as a path (the origin is dropped);
 *   - http(s) URLs elsewhere (e.g. a customer's DecryptKeyUri) → unchanged, except that key URIs
 *     get `foreignKeyToken` appended: the vendor's "parameter pass-through for HLS encryption"
 *     (reference §5.1, playback step 3);
 *   - other schemes (`data:`, `skd:`) → unchanged.
 *
 * Tags whose value is not an attribute list (EXTINF's title is free text) are never searched for
 * `URI=`. Output lines end in "\n"; all other lines are kept byte for byte.
 */

export type PlaylistUriKind = 'playlist' | 'segment' | 'init' | 'key' | 'other';

export interface PlaylistUriInfo {
  readonly kind: PlaylistUriKind;
  /** The tag holding the URI (e.g. "EXT-X-KEY"), or null for a URI line. */
  readonly tag: string | null;
  /** The URI's own query, without "?" ("" if none). */
  readonly query: string;
}

/** Returns the query to append (without "?"; "" appends nothing). May throw to refuse a URI. */
export type UriSigner = (absolutePath: string, info: PlaylistUriInfo) => string;

export interface RewritePlaylistOptions {
  /** The path the playlist is served at, e.g. "/media/<vid>/hd/index.m3u8". */
  readonly playlistPath: string;
  readonly sign: UriSigner;
  /** Origins (e.g. "https://vod.example.com") whose absolute URLs are treated as our own paths. */
  readonly ownOrigins?: readonly string[];
  /** Appended to key URIs on other hosts; the name defaults to "MtsHlsUriToken". */
  readonly foreignKeyToken?: { readonly name?: string; readonly value: string };
}

export class PlaylistRewriteError extends Error {
  override readonly name = 'PlaylistRewriteError';
  constructor(
    readonly code: 'Malformed' | 'InvalidArgument',
    message: string,
  ) {
    super(message);
  }
}

/** Tags whose value is not an attribute list (RFC 8216 §4.3), so `URI=` in them means nothing. */
const NON_ATTRIBUTE_TAGS = new Set([
  'EXTINF',
  'EXT-X-VERSION',
  'EXT-X-BYTERANGE',
  'EXT-X-TARGETDURATION',
  'EXT-X-MEDIA-SEQUENCE',
  'EXT-X-DISCONTINUITY-SEQUENCE',
  'EXT-X-PROGRAM-DATE-TIME',
  'EXT-X-PLAYLIST-TYPE',
]);
const PLAYLIST_TAGS = new Set(['EXT-X-MEDIA', 'EXT-X-I-FRAME-STREAM-INF', 'EXT-X-RENDITION-REPORT']);
const SEGMENT_TAGS = new Set(['EXT-X-PART', 'EXT-X-PRELOAD-HINT']);
/** Where relative URIs resolve; `.invalid` can name no real host (RFC 2606). */
const BASE_ORIGIN = 'http://playlist-base.invalid';

export function rewritePlaylist(text: string, opts: RewritePlaylistOptions): string {
  // `//x` or `/\x` would name a host, not a path.
  if (typeof opts.playlistPath !== 'string' || !/^\/(?![/\\])[^?#\s]*$/.test(opts.playlistPath)) {
    throw new PlaylistRewriteError(
      'InvalidArgument',
      'playlistPath must be an absolute path without a query.',
    );
  }
  const base = new URL(opts.playlistPath, BASE_ORIGIN);
  const ownOrigins = new Set((opts.ownOrigins ?? []).map((o) => new URL(o).origin));
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  if (lines.at(-1) === '') lines.pop();
  if (lines[0]?.trim() !== '#EXTM3U') {
    throw new PlaylistRewriteError('Malformed', 'A playlist starts with #EXTM3U.');
  }

  const rewrite = (uri: string, kind: PlaylistUriKind, tag: string | null): string => {
    // Decide on the parsed URL, not the text: URL parsing trims spaces and drops tabs (` A:` is
    // the scheme `a:`), and backslashes can make a relative URI name a host (`\\[` → `//[`).
    let url: URL;
    try {
      url = new URL(uri, base);
    } catch {
      throw new PlaylistRewriteError('Malformed', 'The playlist holds a URI that cannot be parsed.');
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return uri;
    // Relative URIs resolve onto the placeholder origin: our own paths.
    if (url.origin !== BASE_ORIGIN && !ownOrigins.has(url.origin)) {
      const token = opts.foreignKeyToken;
      if (kind !== 'key' || token === undefined) return uri;
      const param = `${encodeURIComponent(token.name ?? 'MtsHlsUriToken')}=${encodeURIComponent(token.value)}`;
      const [head, fragment] = splitFragment(uri);
      return `${head}${head.includes('?') ? '&' : '?'}${param}${fragment}`;
    }
    return signed(url, kind, tag);
  };

  const signed = (url: URL, kind: PlaylistUriKind, tag: string | null): string => {
    const query = url.search.slice(1);
    const extra = opts.sign(url.pathname, { kind, tag, query });
    if (typeof extra !== 'string' || /[\s"#]/.test(extra) || extra.startsWith('?')) {
      throw new PlaylistRewriteError(
        'InvalidArgument',
        'sign() must return a query string without "?", quotes, "#" or whitespace.',
      );
    }
    const joined = [query, extra].filter((q) => q !== '').join('&');
    return `${url.pathname}${joined === '' ? '' : `?${joined}`}${url.hash}`;
  };

  const out: string[] = [];
  let streamInf = false;
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === '') {
      out.push(line);
    } else if (!trimmed.startsWith('#')) {
      out.push(rewrite(trimmed, streamInf ? 'playlist' : 'segment', null));
      streamInf = false;
    } else if (trimmed.startsWith('#EXT')) {
      const colon = trimmed.indexOf(':');
      const tag = trimmed.slice(1, colon < 0 ? undefined : colon);
      if (tag === 'EXT-X-STREAM-INF') streamInf = true;
      if (colon < 0 || NON_ATTRIBUTE_TAGS.has(tag) || !trimmed.includes('URI="')) {
        out.push(line);
      } else {
        out.push(
          `#${tag}:${rewriteAttributes(trimmed.slice(colon + 1), (uri) => rewrite(uri, tagKind(tag), tag))}`,
        );
      }
    } else {
      out.push(line);
    }
  }
  return out.join('\n') + '\n';
}

function tagKind(tag: string): PlaylistUriKind {
  if (tag === 'EXT-X-MAP') return 'init';
  if (PLAYLIST_TAGS.has(tag)) return 'playlist';
  if (SEGMENT_TAGS.has(tag)) return 'segment';
  // EXT-X-KEY, EXT-X-SESSION-KEY and any custom key tag (e.g. a vendor-specific one).
  if (tag.includes('KEY')) return 'key';
  return 'other';
}

/**
 * Parses an attribute list (RFC 8216 §4.2: `NAME=VALUE` pairs separated by commas, VALUE a
 * quoted string without quotes inside, or unquoted up to the next comma) and replaces the value
 * of every `URI` attribute. Only the attribute named exactly `URI` is touched.
 */
function rewriteAttributes(list: string, map: (uri: string) => string): string {
  let out = '';
  let i = 0;
  while (i < list.length) {
    const eq = list.indexOf('=', i);
    const name = eq < 0 ? '' : list.slice(i, eq);
    if (!/^[A-Z0-9-]+$/.test(name)) {
      throw new PlaylistRewriteError('Malformed', 'A tag holds an attribute list that cannot be parsed.');
    }
    let end: number;
    let value: string;
    if (list[eq + 1] === '"') {
      const close = list.indexOf('"', eq + 2);
      if (close < 0) throw new PlaylistRewriteError('Malformed', 'A quoted attribute value is not closed.');
      end = close + 1;
      value = list.slice(eq + 1, end);
      if (name === 'URI') {
        const uri = map(list.slice(eq + 2, close));
        if (/["\r\n]/.test(uri))
          throw new PlaylistRewriteError('Malformed', 'A rewritten URI holds a quote.');
        value = `"${uri}"`;
      }
    } else {
      const comma = list.indexOf(',', eq + 1);
      end = comma < 0 ? list.length : comma;
      value = list.slice(eq + 1, end);
    }
    out += `${name}=${value}`;
    if (end < list.length) {
      if (list[end] !== ',') {
        throw new PlaylistRewriteError('Malformed', 'Attributes must be separated by commas.');
      }
      out += ',';
      end += 1;
    }
    i = end;
  }
  return out;
}

function splitFragment(uri: string): [string, string] {
  const hash = uri.indexOf('#');
  return hash < 0 ? [uri, ''] : [uri.slice(0, hash), uri.slice(hash)];
}
