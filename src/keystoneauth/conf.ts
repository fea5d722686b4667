// keystoneauth1.loading's part: a session's options from the `communication` option group, and an Adapter's
// endpoint options from a group of adapter options (config's adapterGroup). The groups' shapes are written
// out here, so that keystoneauth never imports the app's configuration: any object with these options (the
// app's validated config, a test's literal) will do.
import fs from 'node:fs';
import type { EndpointOptions } from './adapter.js';
import type { SessionOptions } from './session.js';

/** The `communication` option group: seconds, counts and file paths, as operators write them. */
export interface CommunicationConf {
  readonly cafile: string;
  readonly certfile: string;
  readonly keyfile: string;
  readonly insecure: boolean;
  readonly timeout: number;
  readonly connect_timeout: number;
  readonly headers_timeout: number;
  readonly body_timeout: number;
  readonly connections_per_origin: number;
  readonly keep_alive_timeout: number;
  readonly connect_retries: number;
  readonly status_code_retries: number;
  readonly retriable_status_codes: readonly (string | number)[];
  readonly retry_delay: number;
  readonly max_retry_delay: number;
  readonly max_redirects: number;
  readonly max_response_bytes: number;
  readonly user_agent: string;
}

/** Session options from the `communication` group (Session.load_from_conf_options); reads the PEM files. */
export function sessionOptionsFromConfig(c: CommunicationConf): SessionOptions {
  const read = (file: string) => (file === '' ? undefined : fs.readFileSync(file, 'utf8'));
  const ms = (seconds: number) => Math.round(seconds * 1000);
  return {
    timeoutMs: ms(c.timeout),
    connectTimeoutMs: ms(c.connect_timeout),
    headersTimeoutMs: ms(c.headers_timeout),
    bodyTimeoutMs: ms(c.body_timeout),
    connectionsPerOrigin: c.connections_per_origin,
    keepAliveTimeoutMs: ms(c.keep_alive_timeout),
    connectRetries: c.connect_retries,
    statusCodeRetries: c.status_code_retries,
    retriableStatusCodes: c.retriable_status_codes.map(Number),
    retryDelayMs: ms(c.retry_delay),
    maxRetryDelayMs: ms(c.max_retry_delay),
    maxRedirects: c.max_redirects,
    maxResponseBytes: c.max_response_bytes,
    userAgent: c.user_agent,
    tls: { ca: read(c.cafile), cert: read(c.certfile), key: read(c.keyfile), rejectUnauthorized: !c.insecure },
  };
}

/** A group of adapter options ([image], or [keystone_authtoken]'s interface and region_name). */
export interface AdapterConf {
  readonly interface: string;
  readonly region_name: string;
}

/** An Adapter's endpoint options from its group (keystoneauth's process_conf_options). */
export function endpointOptionsFromConf(c: AdapterConf): EndpointOptions {
  return { interface: c.interface, regionName: c.region_name };
}
