// HTTP client helpers for tests. A response from the service under test is checked against the OpenAPI
// document (openapi.ts): here at once, so that a problem fails the call that received it.
import { assertDocumented, isWatched, throwIfUndocumented } from './openapi.js';

export interface JsonResponse {
  status: number;
  headers: Headers;
  /** The body parsed as JSON, or its text when it is not JSON. */
  body: unknown;
}

async function get(url: string, headers: Record<string, string>): Promise<{ res: Response; text: string }> {
  const res = await fetch(url, { headers });
  return { res, text: await res.text() };
}

function parsed(res: Response, text: string): JsonResponse {
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, body };
}

/** GET with undici's fetch, JSON parsed; from a service startApp watches, its problems fail here. */
export async function getJson(url: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const { res, text } = await get(url, headers);
  // The watched server checked the response as it sent it, before it reached us.
  if (isWatched(url)) throwIfUndocumented();
  return parsed(res, text);
}

/** The same for the service in a child process (server.ts): the response is checked against the document here. */
export async function getDocumented(url: string, headers: Record<string, string> = {}): Promise<JsonResponse> {
  const { res, text } = await get(url, headers);
  assertDocumented({ method: 'GET', url, status: res.status, headers: res.headers, body: text });
  return parsed(res, text);
}
