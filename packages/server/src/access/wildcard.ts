/**
 * The wildcard of RAM policies (ram-sts.md §1.3): `*` matches any run of characters, the empty
 * one too, and `?` exactly one. Used for Action, Resource, Principal and `StringLike`.
 *
 * Patterns come from customers, so this never builds a RegExp from them: the matcher walks both
 * strings and backtracks only to the last `*`, which bounds the work by pattern × value length.
 * Characters are compared as code points, so `?` matches one character even outside the BMP.
 */
export function wildcardMatch(
  pattern: string,
  value: string,
  options: { ignoreCase?: boolean } = {},
): boolean {
  const p = [...(options.ignoreCase ? pattern.toLowerCase() : pattern)];
  const v = [...(options.ignoreCase ? value.toLowerCase() : value)];
  let pi = 0;
  let vi = 0;
  let starAt = -1;
  let resumeAt = 0;
  while (vi < v.length) {
    const c = p[pi];
    if (c === '*') {
      starAt = pi++;
      resumeAt = vi;
    } else if (c !== undefined && (c === '?' || c === v[vi])) {
      pi++;
      vi++;
    } else if (starAt !== -1) {
      // Let the last `*` swallow one more character and try again from there.
      pi = starAt + 1;
      vi = ++resumeAt;
    } else {
      return false;
    }
  }
  while (p[pi] === '*') pi++;
  return pi === p.length;
}
