// Access-rule paths as this code matched them before commit 6b370aa, and as keystonemiddleware's
// `_path_matches` still does (but with literals escaped): a backtracking regex. The unit test uses it as an
// oracle on small generated inputs, bench/redos.ts to show the cost it had. Never for matching.
export function oldPathRegExp(pattern: string): RegExp {
  let source = '';
  for (const m of pattern.matchAll(/(\{[^}]*\})|(\*\*)|(\*)|([^{}*]+)|([{}])/g)) {
    if (m[1] !== undefined || m[3] !== undefined) source += '[^/]+';
    else if (m[2] !== undefined) source += '.*';
    else source += (m[4] ?? m[5] ?? '').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return new RegExp(`^${source}$`, 's');
}
