// What this service answers its caller: {"error":{"code","title","message"}}. Failures talking to other
// services are keystoneauth's UpstreamError family (keystoneauth/errors.ts) and auth_token's own
// (auth-token/errors.ts); the error-handling middleware maps both onto ApiError.
import { STATUS_CODES } from 'node:http';

export class ApiError extends Error {
  readonly status: number;
  readonly title: string;
  readonly headers: Readonly<Record<string, string>>;
  /** Which query parameter or header was at fault, when one was. */
  readonly parameter: string | undefined;

  constructor(
    status: number,
    message: string,
    options: { headers?: Record<string, string>; parameter?: string; cause?: unknown } = {},
  ) {
    super(message, { cause: options.cause });
    this.name = 'ApiError';
    this.status = status;
    this.title = STATUS_CODES[status] ?? 'Error';
    this.headers = options.headers ?? {};
    this.parameter = options.parameter;
  }
}
