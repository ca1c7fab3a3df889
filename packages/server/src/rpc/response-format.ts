/**
 * The response formats of the RPC API (reference vod-api-more §1.10, REF §1.2): JSON (what
 * pop-core asks for with `Format=JSON`, and the answer to V3 requests that name no format) and
 * XML (`Format=XML`, compared case-insensitively).
 *
 * XML: success bodies have the root `<{Action}Response>`, errors `<Error>`. A JSON array becomes
 * one element per item named after the field (`"VideoList":[a,b]` → two `<VideoList>`), so a
 * wrapped list (`"Snapshots":{"Snapshot":[…]}`) becomes a container of repeated items; every
 * scalar is text. The content type is exactly `text/xml;charset=utf-8`, the one openapi-client
 * recognises when it parses an XML error.
 */
import type { XMLBuilder } from 'fast-xml-parser';
import { createRequire } from 'node:module';
import { apiErrors } from '../errors/api-error.js';
import type { RpcParams } from './rpc-params.js';

export type ResponseFormat = 'JSON' | 'XML';

export const JSON_CONTENT_TYPE = 'application/json;charset=utf-8';
export const XML_CONTENT_TYPE = 'text/xml;charset=utf-8';

/** `Format` of a request; JSON when absent. Anything but JSON/XML is InvalidParameter. */
export function responseFormat(params: RpcParams): ResponseFormat {
  const raw = params.optional('Format');
  if (raw === undefined) return 'JSON';
  const upper = raw.toUpperCase();
  if (upper === 'JSON' || upper === 'XML') return upper;
  throw apiErrors.invalidParameter('Format', 'It must be JSON or XML.');
}

/**
 * fast-xml-parser is loaded by the first XML response, not at start-up: JSON is what almost every
 * client asks for, and an idle server should not hold the module (issue 12, idle RSS). Through
 * `require` because `renderXml` is synchronous; the package ships a CommonJS build for that.
 */
const requireModule = createRequire(import.meta.url);
let builder: XMLBuilder | undefined;
const xmlBuilder = (): XMLBuilder =>
  (builder ??= new (requireModule('fast-xml-parser') as typeof import('fast-xml-parser')).XMLBuilder({
    ignoreAttributes: true,
    processEntities: true,
    suppressEmptyNode: false,
  }));

/** Characters XML 1.0 cannot carry, even escaped. */
// eslint-disable-next-line no-control-regex
const INVALID_XML_CHARS = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g;

/** A response body as an XML document with root element `root`. */
export function renderXml(root: string, body: Readonly<Record<string, unknown>>): string {
  return `<?xml version="1.0" encoding="UTF-8"?>${xmlBuilder().build({ [root]: toXmlTree(body) })}`;
}

/** Scalars → text; null/undefined and empty arrays dropped; arrays kept (the builder repeats them). */
function toXmlTree(value: unknown): unknown {
  if (value === null || value === undefined) return undefined;
  if (Array.isArray(value)) return value.map(toXmlTree).filter((v) => v !== undefined);
  if (typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [key, child] of Object.entries(value)) {
      const converted = toXmlTree(child);
      if (converted === undefined || (Array.isArray(converted) && converted.length === 0)) continue;
      out[key] = converted;
    }
    return out;
  }
  return String(value).replace(INVALID_XML_CHARS, '');
}
