// keystoneauth's Adapter: a client's own view of the one global session. It holds what only that client
// knows - which service (service type, interface, region, API version), as whom (an auth plugin) and what
// the service is called in logs, spans and the errors callers see - and hands every call to the session.
// A client for another OpenStack service is an Adapter plus its few calls (examples/projects/client.ts).
// Construction does no I/O: the endpoint is looked up in the plugin's catalog at each call.
import { ProtocolError, type UpstreamErrorDetails } from './errors.js';
import type { AuthPlugin, EndpointFilter } from './plugin.js';
import type { RequestOptions, Session, SessionResponse } from './session.js';
import { joinUrl, loggableUrl, serviceRoot, withoutTrailingSlashes } from './url.js';

/** What a client's code knows about the service it talks to (not configuration). */
export interface ServiceDescription {
  /** Service type in the catalog ("image", "identity", "compute"); the official aliases are understood. */
  readonly serviceType: string;
  /**
   * API major version that paths are relative to ("v2"): joined once to the catalog URL, whether the catalog
   * holds the service root (http://glance:9292) or the versioned URL (http://glance:9292/v2). Leave it out
   * when the catalog URL is already the API root (Nova's .../v2.1, Cinder's .../v3/<project_id>).
   */
  readonly version?: string;
  /** Stable machine name in logs, spans (peer.service) and internal messages ("glance"); default serviceType. */
  readonly service?: string;
  /** How the errors callers see name it ("image service"); default "<serviceType> service". */
  readonly displayName?: string;
}

/** Which endpoint of the service: what operators choose per service (config's adapterGroup, conf.ts). */
export interface EndpointOptions {
  /** Interface, or interfaces in order of preference: public, internal, admin (publicURL style accepted). */
  readonly interface?: string | readonly string[];
  /** Region of the endpoint; empty or absent matches any. */
  readonly regionName?: string;
}

export type AdapterOptions = ServiceDescription & EndpointOptions;

/** Keystone's identity API v3, as the service user's plugin, the validator and a Keystone client call it. */
export const IDENTITY_SERVICE = {
  serviceType: 'identity',
  version: 'v3',
  service: 'keystone',
  displayName: 'identity service',
} as const satisfies ServiceDescription;

/** Where a call goes, as found at call time (keystoneauth's EndpointData, without version discovery). */
export interface EndpointData {
  /** The URL as the catalog gave it. */
  readonly catalogUrl: string;
  /** The catalog URL without its version segment: links a service sends (Glance's `next`) are relative to it. */
  readonly serviceRoot: string;
  /** What paths are relative to: serviceRoot/version, or serviceRoot when the adapter has no version. */
  readonly url: string;
}

/** A call through an Adapter: the session's options, less who and where (the adapter's own). */
export type AdapterRequestOptions = Omit<RequestOptions, 'auth' | 'endpointFilter' | 'service' | 'displayName'>;
type MethodOptions = Omit<AdapterRequestOptions, 'method'>;

const ABSOLUTE = /^https?:\/\//i;

export class Adapter {
  readonly service: string;
  readonly displayName: string;
  private readonly filter: EndpointFilter;

  constructor(
    readonly session: Session,
    readonly auth: AuthPlugin,
    private readonly options: AdapterOptions,
  ) {
    this.service = options.service ?? options.serviceType;
    this.displayName = options.displayName ?? `${options.serviceType} service`;
    this.filter = { serviceType: options.serviceType, interface: options.interface, regionName: options.regionName };
  }

  /**
   * The endpoint for this call, from the plugin's catalog only (errors are typed). There is deliberately no
   * endpoint_override: the caller's token goes only where Keystone says the service is.
   */
  async getEndpointData(signal?: AbortSignal): Promise<EndpointData> {
    const catalogUrl = await this.auth.getEndpoint(this.session, this.filter, signal);
    const { version } = this.options;
    if (version === undefined) {
      const root = withoutTrailingSlashes(catalogUrl);
      return { catalogUrl, serviceRoot: root, url: root };
    }
    const root = serviceRoot(catalogUrl, version);
    return { catalogUrl, serviceRoot: root, url: `${root}/${version}` };
  }

  /** The URL paths are relative to (keystoneauth's get_endpoint). */
  async getEndpoint(signal?: AbortSignal): Promise<string> {
    return (await this.getEndpointData(signal)).url;
  }

  /**
   * A call to `path` relative to the endpoint ("images", "auth/projects"), or to an absolute URL as it is: give
   * a link the service sent through resolveLink first. Failures are UpstreamErrors naming this service.
   */
  async request(path: string, options: AdapterRequestOptions = {}): Promise<SessionResponse> {
    const url = ABSOLUTE.test(path) ? path : joinUrl(await this.getEndpoint(options.signal), path);
    return this.session.request(url, {
      ...options,
      auth: this.auth,
      service: this.service,
      displayName: this.displayName,
    });
  }

  get(path: string, options: MethodOptions = {}): Promise<SessionResponse> {
    return this.request(path, { ...options, method: 'GET' });
  }

  head(path: string, options: MethodOptions = {}): Promise<SessionResponse> {
    return this.request(path, { ...options, method: 'HEAD' });
  }

  post(path: string, options: MethodOptions = {}): Promise<SessionResponse> {
    return this.request(path, { ...options, method: 'POST' });
  }

  put(path: string, options: MethodOptions = {}): Promise<SessionResponse> {
    return this.request(path, { ...options, method: 'PUT' });
  }

  patch(path: string, options: MethodOptions = {}): Promise<SessionResponse> {
    return this.request(path, { ...options, method: 'PATCH' });
  }

  delete(path: string, options: MethodOptions = {}): Promise<SessionResponse> {
    return this.request(path, { ...options, method: 'DELETE' });
  }

  /**
   * The URL of a link the service sent (a `next` page, a `links[].href`): a relative one is taken from the
   * service root, as Glance means its `next`; an absolute one must stay on the endpoint's origin, so that the
   * caller's token never follows a link elsewhere. Anything else is a ProtocolError naming this service.
   */
  resolveLink(endpoint: EndpointData, href: string): URL {
    let url: URL;
    try {
      url = ABSOLUTE.test(href) ? new URL(href) : new URL(joinUrl(endpoint.serviceRoot, href));
    } catch (err) {
      throw this.protocolError(`${this.service} sent a link that is not a URL`, { cause: err });
    }
    if (url.origin !== new URL(endpoint.serviceRoot).origin) {
      throw this.protocolError(`${this.service} sent a link to another origin`);
    }
    return url;
  }

  /**
   * The service answered with something its API does not promise: a ProtocolError naming it. Give the answer
   * itself (a SessionResponse) or what is known: its status, request id and URL are kept, the URL without its
   * query (markers and filters stay out of logs), and nothing else of it.
   */
  protocolError(
    message: string,
    details: Pick<UpstreamErrorDetails, 'status' | 'requestId' | 'cause'> & { readonly url?: string | undefined } = {},
  ): ProtocolError {
    const { status, requestId, cause, url } = details;
    return new ProtocolError(message, {
      status,
      requestId,
      cause,
      url: url === undefined ? undefined : loggableUrl(url),
      service: this.service,
      displayName: this.displayName,
    });
  }
}
