// The excerpt of an upstream's error body that an HttpError keeps for the logs. Some upstreams echo the request
// in their error pages, its token headers included: every token the attempt sent is replaced by its {SHA256}
// fingerprint before the excerpt is stored, so that no log line holds one.
import { TOKEN_HEADERS, redactToken } from '../common/redact.js';

/** Bytes of an error body an HttpError keeps. */
export const EXCERPT_BYTES = 512;

/** The values of the token headers among an attempt's headers (names lower case, as the session sends them). */
export function sentTokens(headers: Readonly<Record<string, string>>): string[] {
  const tokens: string[] = [];
  for (const name of TOKEN_HEADERS) {
    const value = headers[name];
    if (value !== undefined && value !== '') tokens.push(value);
  }
  return tokens;
}

/**
 * The first EXCERPT_BYTES of `body` as text, each occurrence of a token (as sent, or escaped as in a JSON string)
 * replaced by its fingerprint. A token that starts in the excerpt is replaced whole, even where it runs past the
 * cut; nothing after the cut is kept, so no part of a token is ever left.
 */
export function errorBodyExcerpt(body: Buffer, tokens: readonly string[]): string {
  const forms = tokenForms(tokens);
  const longest = forms.reduce((n, f) => Math.max(n, f.text.length), 0);
  // Tokens are ASCII (the middleware refuses others): one byte per character past the cut.
  const text = body.subarray(0, EXCERPT_BYTES + longest).toString('utf8');
  const cut = body.subarray(0, EXCERPT_BYTES).toString('utf8').length;
  if (forms.length === 0) return text.slice(0, cut);
  // Where each form next occurs at or after `at` (-1: nowhere): each text is searched once per occurrence.
  const next = forms.map((f) => text.indexOf(f.text));
  let out = '';
  let at = 0;
  for (;;) {
    let best = -1;
    forms.forEach((f, i) => {
      if (next[i]! !== -1 && next[i]! < at) next[i] = text.indexOf(f.text, at);
      const found = next[i]!;
      if (found === -1 || found >= cut) return;
      if (best === -1 || found < next[best]! || (found === next[best]! && f.text.length > forms[best]!.text.length))
        best = i;
    });
    if (best === -1) return out + text.slice(at, cut);
    out += text.slice(at, next[best]) + forms[best]!.fingerprint;
    at = next[best]! + forms[best]!.text.length;
  }
}

/** Each token as it may appear in a body, with its fingerprint: as sent, and inside a JSON string. */
function tokenForms(tokens: readonly string[]): { text: string; fingerprint: string }[] {
  const forms: { text: string; fingerprint: string }[] = [];
  for (const token of new Set(tokens)) {
    if (token === '') continue;
    const fingerprint = redactToken(token);
    forms.push({ text: token, fingerprint });
    const escaped = JSON.stringify(token).slice(1, -1);
    if (escaped !== token) forms.push({ text: escaped, fingerprint });
  }
  return forms;
}
