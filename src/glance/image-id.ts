// What a Glance image id looks like: a UUID, 8-4-4-4-12 hex digits in either case (Glance's image schema
// pattern). Checked by length and one pass over the characters, never by a regex built or run on a caller's
// string: a marker from a caller (or from Glance's next link) is hostile until this says otherwise.

/** Length of an image id; Glance's id column is 36 characters and rejects a longer one. */
export const IMAGE_ID_LENGTH = 36;

const HYPHENS: ReadonlySet<number> = new Set([8, 13, 18, 23]);

function isHexDigit(code: number): boolean {
  return (code >= 0x30 && code <= 0x39) || (code >= 0x41 && code <= 0x46) || (code >= 0x61 && code <= 0x66);
}

/** Whether `value` has the shape of a Glance image id (a UUID); at most 36 steps whatever its length. */
export function isImageId(value: string): boolean {
  if (value.length !== IMAGE_ID_LENGTH) return false;
  for (let i = 0; i < IMAGE_ID_LENGTH; i++) {
    const code = value.charCodeAt(i);
    if (HYPHENS.has(i) ? code !== 0x2d : !isHexDigit(code)) return false;
  }
  return true;
}
