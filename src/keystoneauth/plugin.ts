// The auth-plugin contract (keystoneauth's BaseAuthPlugin): what the session needs from "who is calling" -
// token headers, an endpoint, and a way to start over - and, in return, the part of the session a plugin may
// use to authenticate. The service's own PasswordPlugin and the per-request UserAuthPlugin
// (keystone.token_auth) implement it. This module imports nothing: the session depends on it, not the reverse.

export interface EndpointFilter {
  /** Service type from the catalog ("image", "identity", ...); common aliases are understood. */
  serviceType: string;
  /** Interface or ordered preferences: public, internal, admin (publicURL style accepted); absent: public. */
  interface?: string | readonly string[] | undefined;
  /** Matches an endpoint's region_id or region; empty or absent matches any. */
  regionName?: string | undefined;
}

/** A call a plugin makes for itself (authenticating): never on behalf of another plugin. */
export interface PluginRequestOptions {
  method?: string;
  headers?: Record<string, string>;
  /** JSON request body (sets Content-Type). */
  json?: unknown;
  body?: string | Buffer;
  query?: URLSearchParams;
  /** Caller's cancellation (a disconnected client), when it has one; the session's own deadline still applies. */
  signal?: AbortSignal | undefined;
  /** This call's overall deadline in ms, when shorter than the session's (absent: the session's). */
  timeoutMs?: number | undefined;
  connectRetries?: number;
  statusCodeRetries?: number;
  /** Throw an HttpError for statuses >= 400 (default true). */
  raiseExc?: boolean;
  /** Stable machine name of the upstream in logs, spans (peer.service) and error messages ("keystone", "glance"). */
  service?: string;
  /** How callers are told about the upstream when the call fails ("identity service"); see Adapter. */
  displayName?: string;
}

export interface PluginResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The upstream's request id, when it sent one. */
  readonly requestId: string | undefined;
  json<T = unknown>(): T;
}

/** What a plugin is handed: the session, seen as a plain HTTP client. */
export interface PluginSession {
  request(target: string, options?: PluginRequestOptions): Promise<PluginResponse>;
}

export interface AuthPlugin {
  /** Headers that authenticate a request (X-Auth-Token, maybe X-Service-Token). */
  getHeaders(session: PluginSession, signal?: AbortSignal): Promise<Record<string, string>>;
  /** The endpoint URL for a filter, from this identity's service catalog. */
  getEndpoint(session: PluginSession, filter: EndpointFilter, signal?: AbortSignal): Promise<string>;
  /** Forget cached credentials; true when a retry could then succeed (a new token can be obtained). */
  invalidate(): boolean;
}
