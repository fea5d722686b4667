// A Link header value as the paging tests read it: one link-value, `<target>; rel="..."`.
import assert from 'node:assert/strict';

/** The target and the rel of a Link header value `<target>; rel="next"`. */
export function parseLink(value: string): { target: string; rel: string } {
  const match = /^<([^<>]*)>; rel="([a-z]+)"$/.exec(value);
  assert.ok(match, `a single link-value with a rel: ${value}`);
  return { target: match[1]!, rel: match[2]! };
}
