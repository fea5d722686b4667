// Access-rule path patterns (keystonemiddleware's _path_matches) matched without backtracking. Upstream, and
// this code before, turned a token's pattern into a regex: `/` + `**` x 100 + `!` then pinned the event loop
// on a 40-character path. Here the pattern is a small automaton whose live states are a bitset, advanced once
// per path character (Thompson's simulation, 32 states per machine word): time is path length x
// ceil(states / 32), whatever the pattern and the path are.
//
// Semantics are upstream's: `*` and `{name}` are one non-empty segment (no `/`), `**` is anything (nothing,
// or characters and slashes), `***` is `**` then `*`; everything else is literal, and a `{` with no `}` after
// it is a literal `{`. Where upstream puts literals into its regex unescaped (a `.` matches any character),
// ours are literal: that can only deny what upstream would allow by accident.

const SLASH = 0x2f;
const STAR = 0x2a;
const OPEN = 0x7b;

/** What each automaton state waits for. A segment is ONE then SEG_REST; `**` is ANY. */
const LITERAL = 0;
const ONE = 1; // one character other than `/`
const SEG_REST = 2; // more characters other than `/`, or none
const ANY = 3; // any characters, or none

/**
 * A compiled pattern. State i means "the first i tokens matched"; state `accept` the whole pattern. Runs of
 * `**` (and a segment's tail before `**`) are collapsed, so no two skippable states are neighbours and one
 * shift closes a state set over the states it may skip.
 */
export interface PathProgram {
  /** 32-bit words per state set. */
  readonly words: number;
  readonly accept: number;
  /** Characters any match needs: one per literal and per segment. */
  readonly minLength: number;
  /** Per ASCII character, an index into moveMasks: the states that move on it (its literals, ONE unless `/`). */
  readonly moveIndex: Uint8Array;
  readonly moveMasks: readonly Uint32Array[];
  /** The same for the pattern's other literal characters; any other character moves ONE states only. */
  readonly moveOther: ReadonlyMap<number, Uint32Array>;
  readonly moveDefault: Uint32Array;
  /** The states that stay put on a character: ANY, and SEG_REST unless it is `/`. */
  readonly stayOther: Uint32Array;
  readonly staySlash: Uint32Array;
  /** The states that may match nothing: ANY and SEG_REST. */
  readonly skippable: Uint32Array;
}

/** Upstream's tokens, as states (literals with their characters), in one pass: linear in the pattern. */
function tokenize(pattern: string): { kinds: number[]; chars: number[] } {
  const kinds: number[] = [];
  const chars: number[] = [];
  const lastClose = pattern.lastIndexOf('}');
  const push = (kind: number, char = -1) => {
    kinds.push(kind);
    chars.push(char);
  };
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern.charCodeAt(i);
    if (c === STAR && pattern.charCodeAt(i + 1) === STAR) {
      i++;
      const last = kinds.length - 1;
      if (kinds[last] === SEG_REST)
        kinds[last] = ANY; // [^/]* then .* is .*
      else if (kinds[last] !== ANY) push(ANY);
    } else if (c === STAR || (c === OPEN && i < lastClose)) {
      // {name}: up to the first `}` after it (scanned once: i jumps past it).
      if (c === OPEN) i = pattern.indexOf('}', i);
      push(ONE);
      push(SEG_REST);
    } else {
      push(LITERAL, c);
    }
  }
  return { kinds, chars };
}

const setBit = (mask: Uint32Array, state: number) => {
  mask[state >>> 5]! |= 1 << (state & 31);
};

/** The automaton of a pattern: O(pattern length x words) time and memory. */
export function compilePathPattern(pattern: string): PathProgram {
  const { kinds, chars } = tokenize(pattern);
  const accept = kinds.length;
  const words = (accept >>> 5) + 1;
  const mask = () => new Uint32Array(words);
  const [one, any, segRest] = [mask(), mask(), mask()];
  kinds.forEach((kind, state) => {
    if (kind === ONE) setBit(one, state);
    else if (kind === ANY) setBit(any, state);
    else if (kind === SEG_REST) setBit(segRest, state);
  });
  const moves = new Map<number, Uint32Array>([[SLASH, mask()]]);
  kinds.forEach((kind, state) => {
    if (kind !== LITERAL) return;
    const c = chars[state]!;
    let m = moves.get(c);
    if (m === undefined) moves.set(c, (m = one.slice()));
    setBit(m, state);
  });
  const stayOther = any.map((a, w) => a | segRest[w]!);
  return {
    words,
    accept,
    minLength: kinds.filter((k) => k === LITERAL || k === ONE).length,
    ...asciiMoves(moves, one),
    moveOther: moves,
    moveDefault: one,
    stayOther,
    staySlash: any,
    skippable: stayOther,
  };
}

/** The ASCII part of `moves` as a table (0: the default, ONE states), cheaper to build than 128 references. */
function asciiMoves(moves: Map<number, Uint32Array>, moveDefault: Uint32Array) {
  const moveIndex = new Uint8Array(128);
  const moveMasks = [moveDefault];
  for (const [c, mask] of moves) {
    if (c >= 128) continue;
    moveIndex[c] = moveMasks.length;
    moveMasks.push(mask);
  }
  return { moveIndex, moveMasks };
}

/**
 * One character: next = (states that move on it, shifted one on) | (states that stay on it), then closed over
 * skippable states. Returns whether any state is still live.
 */
function step(p: PathProgram, c: number, cur: Uint32Array, next: Uint32Array): boolean {
  const move = c < 128 ? p.moveMasks[p.moveIndex[c]!]! : (p.moveOther.get(c) ?? p.moveDefault);
  const stay = c === SLASH ? p.staySlash : p.stayOther;
  const skippable = p.skippable;
  let moveCarry = 0;
  let skipCarry = 0;
  let live = 0;
  for (let w = 0; w < cur.length; w++) {
    const d = cur[w]!;
    const moving = d & move[w]!;
    let n = (moving << 1) | moveCarry | (d & stay[w]!) | skipCarry;
    moveCarry = moving >>> 31;
    const skipping = n & skippable[w]!;
    n |= skipping << 1;
    skipCarry = skipping >>> 31;
    next[w] = n;
    live |= n;
  }
  return live !== 0;
}

export interface MatchOutcome {
  result: 'match' | 'no_match' | 'over_budget';
  /** Word steps taken: one per path character and state word. */
  steps: number;
}

/**
 * Whether `path` matches the program, in at most `budget` word steps: 'over_budget' once the path would need
 * more. Deterministic: the same inputs give the same answer however loaded the machine is.
 */
export function runPathProgram(p: PathProgram, path: string, budget = Infinity): MatchOutcome {
  if (path.length < p.minLength) return { result: 'no_match', steps: 0 };
  if (p.words === 1) return runOneWord(p, path, budget);
  let cur = new Uint32Array(p.words);
  let next = new Uint32Array(p.words);
  cur[0] = 1 | ((p.skippable[0]! & 1) << 1); // state 0, and state 1 when state 0 may match nothing
  let steps = 0;
  for (let i = 0; i < path.length; i++) {
    if (steps + p.words > budget) return { result: 'over_budget', steps };
    steps += p.words;
    if (!step(p, path.charCodeAt(i), cur, next)) return { result: 'no_match', steps };
    const done = cur;
    cur = next;
    next = done;
  }
  const accepted = (cur[p.accept >>> 5]! >>> (p.accept & 31)) & 1;
  return { result: accepted ? 'match' : 'no_match', steps };
}

/** runPathProgram for up to 31 states (most rules): the same steps on one integer, twice as fast. */
function runOneWord(p: PathProgram, path: string, budget: number): MatchOutcome {
  const [stayOther, staySlash, skippable] = [p.stayOther[0]!, p.staySlash[0]!, p.skippable[0]!];
  let cur = 1 | ((skippable & 1) << 1);
  const length = Math.min(path.length, budget);
  for (let i = 0; i < length; i++) {
    const c = path.charCodeAt(i);
    const move = (c < 128 ? p.moveMasks[p.moveIndex[c]!]! : (p.moveOther.get(c) ?? p.moveDefault))[0]!;
    let n = ((cur & move) << 1) | (cur & (c === SLASH ? staySlash : stayOther));
    n |= (n & skippable) << 1;
    if (n === 0) return { result: 'no_match', steps: i + 1 };
    cur = n;
  }
  if (length < path.length) return { result: 'over_budget', steps: length };
  return { result: (cur >>> p.accept) & 1 ? 'match' : 'no_match', steps: length };
}

/**
 * The steps compiling a pattern may take, bounded before compiling: the ASCII table (128 entries), and at most
 * m masks of 2m + 1 states (a segment is two states) for a pattern of m characters.
 */
const compileSteps = (m: number) => 128 + m * ((m >>> 4) + 1);

/** How the path compares with the pattern's literal characters up to its first wildcard (or all of them). */
interface LiteralPrefix {
  /** The path may match ('fits'), cannot ('differs'), or `limit` characters were compared without an answer. */
  readonly verdict: 'fits' | 'differs' | 'over_budget';
  /** Characters compared: the steps it took. */
  readonly compared: number;
}

/** The path against the pattern's literal prefix, comparing at most `limit` characters. */
function literalPrefix(pattern: string, path: string, limit: number): LiteralPrefix {
  const end = Math.min(pattern.length, limit);
  for (let i = 0; i < end; i++) {
    const c = pattern.charCodeAt(i);
    if (c === STAR || c === OPEN) return { verdict: 'fits', compared: i };
    if (c !== path.charCodeAt(i)) return { verdict: 'differs', compared: i + 1 };
  }
  if (end < pattern.length) return { verdict: 'over_budget', compared: end };
  return { verdict: pattern.length === path.length ? 'fits' : 'differs', compared: end };
}

/**
 * keystonemiddleware's _path_matches within `budget` steps: each character of the literal prefix compared is a
 * step (a pattern costs one at least), then compiling and running. Most patterns that do not match are told by
 * their literal prefix, without compiling; but a prefix may be 225 characters, so it is counted too (counting it
 * as one step let 32,767 rules of a 225-character prefix cost 38 ms). No memo of compiled patterns: compiling a
 * typical rule takes about 2 µs and a 225-character one about 10 (bench:redos), some 1% of a request, and a memo
 * keyed by token data would need bounds of its own.
 */
export function matchPathPattern(pattern: string, path: string, budget = Infinity): MatchOutcome {
  const prefix = literalPrefix(pattern, path, budget);
  const compared = Math.max(1, prefix.compared);
  if (prefix.verdict === 'over_budget' || compared > budget) return { result: 'over_budget', steps: compared };
  if (prefix.verdict === 'differs') return { result: 'no_match', steps: compared };
  const compiling = compared + compileSteps(pattern.length);
  if (compiling > budget) return { result: 'over_budget', steps: compared };
  const run = runPathProgram(compilePathPattern(pattern), path, budget - compiling);
  return { result: run.result, steps: compiling + run.steps };
}

/** keystonemiddleware's _path_matches, in linear time. */
export function pathMatches(path: string, pattern: string): boolean {
  return matchPathPattern(pattern, path).result === 'match';
}
