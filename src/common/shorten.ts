// A caller's text repeated in an answer or a log line, kept to a bound whatever the caller sent.

/** `text` as it is when it has at most `max` characters, else its first `max` and an ellipsis. */
export function shorten(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}
