// The service under test: built from options (the defaults, pointed at a (mock) Keystone, with a test's
// overrides, through optionsFromConfig: the one mapping), and the app on port 0 in this process with its log
// lines captured and every response it sends checked against the OpenAPI document (openapi.ts). `build(t, ...)`
// is the usual entry point: the service is closed when the test ends (fastify's build(t) pattern);
// `startApp` is for suite-wide `before`/`after` hooks.
import type { TestContext } from 'node:test';
import type Router from '@koa/router';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/load.js';
import type { Config } from '../../src/config/schema.js';
import type { Session } from '../../src/keystoneauth/session.js';
import type { Readiness } from '../../src/readiness.js';
import { openApiDocument, type DocumentPart } from '../../src/routes/openapi-document.js';
import { createServices, optionsFromConfig, type Services, type ServicesOptions } from '../../src/services.js';
import { captureLogger } from './logs.js';
import { SERVICE_NAME } from './names.js';
import { listen } from './net.js';
import { watchResponses } from './openapi.js';

/** The service's config from defaults plus `overrides` (group → options), validating against `keystoneUrl`. */
export function serviceConfig(keystoneUrl: string, overrides: Record<string, Record<string, unknown>> = {}): Config {
  return loadConfig({
    env: {},
    configDir: '/nonexistent',
    overrides: {
      ...overrides,
      server: { port: 0, ...overrides.server },
      keystone_authtoken: {
        auth_url: keystoneUrl,
        // The mock Keystone's user for this service (USERS.service), written here so that this helper does not
        // import the mocks: tests against servers of their own keep it when a fork removes them.
        username: SERVICE_NAME,
        password: `${SERVICE_NAME}-pw`,
        ...overrides.keystone_authtoken,
      },
      communication: { retry_delay: 0.01, ...overrides.communication },
    },
  });
}

/** The options the service builds from: serviceConfig through optionsFromConfig. */
export function serviceOptions(
  keystoneUrl: string,
  overrides: Record<string, Record<string, unknown>> = {},
): ServicesOptions {
  return optionsFromConfig(serviceConfig(keystoneUrl, overrides));
}

export interface Service {
  url: string;
  session: Session;
  readiness: Readiness;
  /** Log lines, parsed and raw. */
  lines: Record<string, unknown>[];
  raw: string[];
  close(): Promise<void>;
}

export interface StartOptions {
  /** Log level of the captured logger. */
  level?: string;
  /** A clock for token expiry and the caches (createServices' override). */
  now?: (() => number) | undefined;
  /** Routers mounted after createApp's, built from the same services (the worked example's route). */
  routes?: (services: Services) => readonly Router[];
  /** Their part of the OpenAPI document (openApiDocument's `more`): their responses are checked against it. */
  document?: DocumentPart;
}

/**
 * The service's Koa app (createApp) on port 0 in this process: not src/server.ts's startService, which reads a
 * configuration, listens where it says and handles signals. The caller closes it.
 */
export async function startApp(
  options: ServicesOptions,
  { level = 'trace', now, routes, document }: StartOptions = {},
): Promise<Service> {
  const { logger, lines, raw } = captureLogger(level);
  const services = createServices(options, logger, { now });
  const app = createApp(services);
  // As a fork mounts a route in createApp: its routes, then its 405s.
  const more = routes?.(services) ?? [];
  for (const router of more) app.use(router.routes());
  for (const router of more) app.use(router.allowedMethods());
  const served = await listen(app.callback());
  // Every response it sends must be one the OpenAPI document describes (openapi.ts), extra routes' paths included.
  watchResponses(served.server, document === undefined ? undefined : openApiDocument(undefined, [document]));
  return {
    url: served.url,
    session: services.session,
    readiness: services.readiness,
    lines,
    raw,
    close: async () => {
      await served.close();
      await services.close();
    },
  };
}

/** The service for one test, closed when the test ends. */
export async function build(t: TestContext, options: ServicesOptions, settings: StartOptions = {}): Promise<Service> {
  const service = await startApp(options, settings);
  t.after(() => service.close());
  return service;
}
