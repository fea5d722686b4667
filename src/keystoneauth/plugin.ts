// What the session needs from "who is calling": token headers, an endpoint, and a way to start over.
// The service's own PasswordPlugin and the per-request UserAuthPlugin (keystone.token_auth) both implement it.
import type { Session } from './session.js';

export interface EndpointFilter {
  /** Service type from the catalog ("image", "identity", ...); common aliases are understood. */
  serviceType: string;
  /** Interface or ordered preferences: public, internal, admin (publicURL style accepted). */
  interface?: string | readonly string[];
  /** Matches an endpoint's region_id or region; empty or absent matches any. */
  regionName?: string;
}

export interface AuthPlugin {
  /** Headers that authenticate a request (X-Auth-Token, maybe X-Service-Token). */
  getHeaders(session: Session, signal?: AbortSignal): Promise<Record<string, string>>;
  /** The endpoint URL for a filter, from this identity's service catalog. */
  getEndpoint(session: Session, filter: EndpointFilter, signal?: AbortSignal): Promise<string>;
  /** Forget cached credentials; true when a retry could then succeed (a new token can be obtained). */
  invalidate(): boolean;
}
