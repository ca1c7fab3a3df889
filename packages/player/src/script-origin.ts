/**
 * The default `endpoint`: the origin the SDK script was loaded from (a page that includes
 * `https://vod.example.com/sdk/securevod-player.js` talks to that server), else the page's own
 * origin. `document.currentScript` is only set while a classic script first runs, so it is read
 * once, when this module is evaluated; in an ES module build it is null and the page origin is
 * used.
 */
import { httpOrigin } from './url-token.js';

const SCRIPT_SRC: string | undefined = (() => {
  try {
    const script = typeof document === 'undefined' ? null : document.currentScript;
    return script && 'src' in script && typeof script.src === 'string' && script.src !== ''
      ? script.src
      : undefined;
  } catch {
    return undefined;
  }
})();

export function defaultEndpoint(): string {
  const fromScript = SCRIPT_SRC === undefined ? undefined : httpOrigin(SCRIPT_SRC);
  if (fromScript) return fromScript;
  const page = typeof location === 'undefined' ? undefined : httpOrigin(location.href);
  if (page) return page;
  throw new TypeError('endpoint is required: the SDK is not running in an http(s) page.');
}
