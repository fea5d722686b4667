// Errors Node's HTTP parser meets before there is a request for Koa to handle: a header block over
// max_header_size, a malformed request (Content-Length with Transfer-Encoding, garbage), headers or a body that
// take too long. Node answers those itself with a bare status line and no log; server.ts gives every listener this
// 'clientError' handler instead, so they are answered like every other error: JSON {"error":{code,title,message}}
// with a fresh request id (in the body and the X-OpenStack-Request-ID header), and one log line with the code.
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '../common/logger.js';
import { newRequestId } from '../common/request-scope.js';

/** The parser's error codes Node answers with another status than 400 (its own socketOnError's). */
const STATUS_OF: Readonly<Record<string, number>> = {
  HPE_HEADER_OVERFLOW: 431,
  HPE_CHUNK_EXTENSIONS_OVERFLOW: 413,
  ERR_HTTP_REQUEST_TIMEOUT: 408,
};

const MESSAGES: Readonly<Record<number, string>> = {
  400: 'The request could not be read as HTTP.',
  408: 'The request was not received in time.',
  413: 'The request is too large.',
  431: 'The request headers are too large.',
};

/** The whole answer: status line, headers and JSON body (Connection: close, as the connection ends with it). */
export function clientErrorResponse(status: number, requestId: string): string {
  const title = STATUS_CODES[status] ?? 'Error';
  const body = JSON.stringify({
    error: { code: status, title, message: MESSAGES[status] ?? title },
    request_id: requestId,
  });
  return (
    `HTTP/1.1 ${status} ${title}\r\n` +
    'Content-Type: application/json; charset=utf-8\r\n' +
    `Content-Length: ${Buffer.byteLength(body)}\r\n` +
    `X-OpenStack-Request-ID: ${requestId}\r\n` +
    'Connection: close\r\n\r\n' +
    body
  );
}

/**
 * The 'clientError' handler: the answer when the connection can still take one (writable, and no response of an
 * earlier request on it already started: that would corrupt it), then the connection closes. The log line has the
 * parser's code and status, never the bytes the client sent (they may hold a token).
 */
export function clientErrorHandler(logger: Logger): (err: Error, socket: Duplex) => void {
  return (err, socket) => {
    const raw = (err as { code?: unknown }).code;
    const code = typeof raw === 'string' ? raw : 'unknown';
    const client = (socket as { remoteAddress?: string }).remoteAddress;
    // Node's own test (socketOnError): the response of a request before this one may be under way.
    const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
    if (!socket.writable || current?.headersSent === true) {
      // The client went away (a reset), or an answer is already on its way: nothing can be said.
      logger.debug({ code, client }, 'client connection failed');
      socket.destroy();
      return;
    }
    const status = STATUS_OF[code] ?? 400;
    const requestId = newRequestId();
    logger.info({ code, status, client, request_id: requestId }, 'request refused before it could be read');
    // As Node does: written, then the connection is destroyed (the answer is small enough to leave at once).
    socket.write(clientErrorResponse(status, requestId));
    socket.destroy();
  };
}
