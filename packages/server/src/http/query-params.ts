/**
 * Query strings and form bodies as flat string records, with the names given more than once
 * remembered (issue 11 item 6): a parameter that appears twice is refused where it matters (the
 * RPC API, media, key and download URLs) instead of letting the last one win, which would
 * bypass checks made on the first. The server's Fastify `querystringParser` and the RPC form
 * parser both use `parseParams`; `duplicateParams` reads what it remembered.
 */

const DUPLICATES = Symbol('duplicateParams');

type ParsedParams = Record<string, string> & { [DUPLICATES]?: string[] };

/** `a=1&b=2` → `{a: '1', b: '2'}`; the first value of a repeated name is kept (and remembered). */
export function parseParams(text: string): Record<string, string> {
  const out: ParsedParams = {};
  for (const [name, value] of new URLSearchParams(text)) {
    if (Object.hasOwn(out, name)) {
      // Not enumerable: a spread copy of the parameters carries only the parameters.
      if (!out[DUPLICATES]) Object.defineProperty(out, DUPLICATES, { value: [], enumerable: false });
      if (!out[DUPLICATES]!.includes(name)) out[DUPLICATES]!.push(name);
      continue;
    }
    // defineProperty: a parameter named `__proto__` is data, not the prototype.
    Object.defineProperty(out, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return out;
}

/** The names `parseParams` saw more than once in `params` (empty for anything else). */
export function duplicateParams(params: unknown): readonly string[] {
  if (typeof params !== 'object' || params === null) return [];
  return (params as ParsedParams)[DUPLICATES] ?? [];
}
