// HTTP client helpers for tests.

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or its text when it is not JSON. */
  body: unknown;
}

/** GET with undici's fetch, JSON parsed. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const res = await fetch(url, { headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}
