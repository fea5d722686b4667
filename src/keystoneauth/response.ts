// Reading an upstream's answer: the body within max_response_bytes (an upstream must not exhaust our memory),
// the upstream's request id, and the response object handed to callers (JSON parsed on demand).
import type { Dispatcher } from 'undici';
import { isValidRequestId } from '../common/request-scope.js';
import { ProtocolError, type UpstreamErrorDetails } from './errors.js';
import type { PluginResponse } from './plugin.js';
import { loggableUrl } from './url.js';

export type ResponseHeaders = Record<string, string | string[] | undefined>;

/** What the session returns for an answered call. */
export interface SessionResponse extends PluginResponse {
  readonly status: number;
  readonly headers: Readonly<ResponseHeaders>;
  /** The URL that answered (after redirects). */
  readonly url: string;
  /** The upstream's request id, when it sent one. */
  readonly requestId: string | undefined;
  readonly body: Buffer;
  text(): string;
  /** The body parsed as JSON; a ProtocolError when it is not JSON. */
  json<T = unknown>(): T;
}

/** The part of undici's response that reading needs (so tests can hand in a plain stream). */
export interface ResponseSource {
  readonly headers: ResponseHeaders;
  readonly body: AsyncIterable<Buffer> & Pick<Dispatcher.ResponseData['body'], 'dump' | 'arrayBuffer'>;
}

/** The first value of a header that may repeat. */
export function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/**
 * The upstream's request id: X-OpenStack-Request-ID, or Nova's older x-compute-request-id, when it has
 * oslo.context's shape (req-<uuid>). Anything else is dropped: it would go into our logs and into the error
 * bodies callers get, and an upstream may put anything in a header (`<script>`, quotes, kilobytes).
 */
export function upstreamRequestId(headers: ResponseHeaders): string | undefined {
  const id = headerValue(headers['x-openstack-request-id']) ?? headerValue(headers['x-compute-request-id']);
  return isValidRequestId(id) ? id : undefined;
}

/**
 * The whole body of an answer, at most `limit` bytes (else a ProtocolError, with `details`: which service, URL
 * and answer). HEAD has none: it is drained. A declared Content-Length over the limit is refused before reading;
 * a declared one within it is read in one go (undici enforces the length itself); without one, chunks are counted
 * as they arrive.
 */
export async function readBody(
  res: ResponseSource,
  method: string,
  limit: number,
  details: UpstreamErrorDetails = {},
): Promise<Buffer> {
  if (method === 'HEAD') {
    await res.body.dump();
    return Buffer.alloc(0);
  }
  const tooLarge = () => {
    const where = details.service === undefined ? '' : `${details.service} (${method} ${details.url ?? ''}) sent a `;
    return new ProtocolError(`${where}response body larger than ${limit} bytes`, { ...details, method });
  };
  const declared = Number(res.headers['content-length']);
  if (declared > limit) {
    await res.body.dump();
    throw tooLarge();
  }
  if (Number.isInteger(declared)) return Buffer.from(await res.body.arrayBuffer());
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of res.body) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}

export interface ResponseParts {
  status: number;
  headers: ResponseHeaders;
  url: URL;
  requestId: string | undefined;
  body: Buffer;
  /** Name used in errors ("keystone", "glance"). */
  service: string;
  /** How callers are told about the upstream ("identity service"), when known. */
  displayName?: string | undefined;
}

/** The SessionResponse for a body already read. */
export function makeResponse(parts: ResponseParts): SessionResponse {
  const { status, headers, url, requestId, body, service, displayName } = parts;
  return {
    status,
    headers,
    url: url.href,
    requestId,
    body,
    text: () => body.toString('utf8'),
    json<T>(): T {
      try {
        return JSON.parse(body.toString('utf8')) as T;
      } catch (err) {
        throw new ProtocolError(`${service} sent a response that is not JSON`, {
          status,
          requestId,
          url: loggableUrl(url),
          service,
          displayName,
          cause: err,
        });
      }
    },
  };
}
