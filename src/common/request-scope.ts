// Per-request state that must reach code far from Koa's ctx (the session's upstream calls, log lines):
// the OpenStack request id and the request's child logger, carried by AsyncLocalStorage.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Level } from 'pino';
import type { Logger } from './logger.js';

export interface ScopedRequest {
  /** This service's own id of the request: always made here (oslo.middleware's request_id). */
  readonly requestId: string;
  /**
   * The caller's well-formed inbound X-OpenStack-Request-ID (oslo.middleware's global_request_id): what the caller
   * says ties its calls together, never taken as this service's own id.
   */
  readonly globalRequestId?: string | undefined;
  readonly log: Logger;
}

const REQUEST_ID = /^req-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** oslo.context's format: req-<uuid4>. */
export function newRequestId(): string {
  return `req-${randomUUID()}`;
}

export function isValidRequestId(value: unknown): value is string {
  return typeof value === 'string' && REQUEST_ID.test(value);
}

export class RequestScope {
  private readonly storage = new AsyncLocalStorage<ScopedRequest>();

  constructor(private readonly rootLogger: Logger) {}

  run<T>(store: ScopedRequest, fn: () => T): T {
    return this.storage.run(store, fn);
  }

  get requestId(): string | undefined {
    return this.storage.getStore()?.requestId;
  }

  /**
   * The id sent upstream as X-OpenStack-Request-ID: the caller's global request id when it sent one, else this
   * request's own (oslo.context's global_id), so Keystone's and Glance's logs line up with the caller's chain.
   */
  get globalId(): string | undefined {
    const store = this.storage.getStore();
    return store?.globalRequestId ?? store?.requestId;
  }

  /**
   * Whether a line at `level` would be written. Asked before building a debug line, so that a request that
   * logs nothing never pays for its child logger.
   */
  isLevelEnabled(level: Level): boolean {
    return this.rootLogger.isLevelEnabled(level);
  }

  /** The current request's logger (its lines carry request_id), or the root logger outside a request. */
  get log(): Logger {
    return this.storage.getStore()?.log ?? this.rootLogger;
  }
}
