/**
 * The little XML the OSS upload protocol needs: building response documents, and parsing the one
 * request body that is XML (CompleteMultipartUpload). The parser is deliberately strict and small
 * rather than a general XML library: no DTDs or entities beyond the predefined five (so no entity
 * expansion attacks), bounded depth, and a body-size limit enforced by the caller.
 */
/** A response element: text content, or child elements in order. */
export type XmlNode = readonly [name: string, content: string | number | boolean | readonly XmlNode[]];

export function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&${ENTITY_NAMES[c]};`);
}

const ENTITY_NAMES: Record<string, string> = { '<': 'lt', '>': 'gt', '&': 'amp', '"': 'quot', "'": 'apos' };
const ENTITY_VALUES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

export function renderXmlDocument(root: XmlNode): string {
  return `<?xml version="1.0" encoding="UTF-8"?>\n${renderNode(root)}\n`;
}

function renderNode([name, content]: XmlNode): string {
  if (Array.isArray(content))
    return `<${name}>${(content as readonly XmlNode[]).map(renderNode).join('')}</${name}>`;
  return `<${name}>${escapeXml(String(content))}</${name}>`;
}

export interface CompletedPart {
  readonly partNumber: number;
  /** Without surrounding quotes. */
  readonly etag: string;
}

export const MAX_PARTS = 10_000;

/**
 * Parses a CompleteMultipartUpload body (as `ali-oss` `completeMultipartUpload` writes it) into
 * its part list, in document order; `undefined` when it is not one. Order and ETag checks are the
 * caller's.
 */
export function parseCompleteMultipartUpload(xml: string): CompletedPart[] | undefined {
  try {
    const root = parseDocument(xml);
    if (root.name !== 'CompleteMultipartUpload') return undefined;
    if (root.children.length === 0 || root.children.length > MAX_PARTS) return undefined;
    return root.children.map((part) => {
      if (part.name !== 'Part') throw new Error('malformed');
      const number = only(part, 'PartNumber');
      const etag = only(part, 'ETag').replace(/^"(.*)"$/s, '$1');
      if (!/^\d{1,5}$/.test(number) || etag === '') throw new Error('malformed');
      return { partNumber: Number(number), etag };
    });
  } catch {
    return undefined;
  }
}

function only(element: ParsedElement, name: string): string {
  const matches = element.children.filter((c) => c.name === name);
  if (matches.length !== 1 || matches[0]!.children.length > 0) throw new Error('malformed');
  return matches[0]!.text.trim();
}

interface ParsedElement {
  readonly name: string;
  readonly children: ParsedElement[];
  text: string;
}

const MAX_DEPTH = 8;
const NAME = /[A-Za-z_][\w.:-]*/y;
const ATTRIBUTE = /\s+[A-Za-z_][\w.:-]*\s*=\s*(?:"[^"<]*"|'[^'<]*')/y;

/** Elements, attributes (ignored), text and comments; nothing else. Throws on any deviation. */
function parseDocument(xml: string): ParsedElement {
  let i = xml.charCodeAt(0) === 0xfeff ? 1 : 0;
  const fail = (): never => {
    throw new Error('malformed');
  };
  const skipSpace = () => {
    while (i < xml.length && /\s/.test(xml[i]!)) i++;
  };
  const readName = (): string => {
    NAME.lastIndex = i;
    const match = NAME.exec(xml) ?? fail();
    i = NAME.lastIndex;
    return match[0];
  };
  const parseElement = (depth: number): ParsedElement => {
    if (depth > MAX_DEPTH || xml[i] !== '<') fail();
    i++;
    const element: ParsedElement = { name: readName(), children: [], text: '' };
    for (ATTRIBUTE.lastIndex = i; ATTRIBUTE.exec(xml); ATTRIBUTE.lastIndex = i) i = ATTRIBUTE.lastIndex;
    skipSpace();
    if (xml.startsWith('/>', i)) {
      i += 2;
      return element;
    }
    if (xml[i] !== '>') fail();
    i++;
    for (;;) {
      if (i >= xml.length) fail();
      if (xml.startsWith('</', i)) {
        i += 2;
        if (readName() !== element.name) fail();
        skipSpace();
        if (xml[i] !== '>') fail();
        i++;
        return element;
      }
      if (xml.startsWith('<!--', i)) {
        const end = xml.indexOf('-->', i + 4);
        if (end < 0) fail();
        i = end + 3;
      } else if (xml.startsWith('<!', i) || xml.startsWith('<?', i)) {
        fail(); // DOCTYPE, CDATA, processing instructions: not in this protocol
      } else if (xml[i] === '<') {
        element.children.push(parseElement(depth + 1));
      } else {
        const end = xml.indexOf('<', i);
        element.text += decodeText(xml.slice(i, end < 0 ? xml.length : end));
        i = end < 0 ? xml.length : end;
      }
    }
  };

  skipSpace();
  if (xml.startsWith('<?xml', i)) {
    const end = xml.indexOf('?>', i);
    if (end < 0) fail();
    i = end + 2;
  }
  skipSpace();
  const root = parseElement(1);
  skipSpace();
  if (i !== xml.length) fail();
  return root;
}

function decodeText(raw: string): string {
  return raw.replace(/&([^;&]*);|&/g, (whole, name: string | undefined) => {
    if (name === undefined) throw new Error('malformed');
    if (name in ENTITY_VALUES) return ENTITY_VALUES[name]!;
    const code = /^#x([0-9a-fA-F]{1,6})$/.exec(name)?.[1] ?? /^#(\d{1,7})$/.exec(name)?.[1];
    if (code === undefined) throw new Error('malformed');
    const value = name.startsWith('#x') ? parseInt(code, 16) : Number(code);
    if (value > 0x10ffff) throw new Error('malformed');
    return String.fromCodePoint(value);
  });
}
