// The process: the only file that reads the environment and listens. Loads the configuration, builds the
// long-lived dependencies (createServices), serves the app and shuts down gracefully on SIGTERM/SIGINT.
import http from 'node:http';
import { setTimeout as delay } from 'node:timers/promises';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import { createApp, createMetricsApp } from './app.js';
import {
  EXIT_CONFIG,
  immediateAnswer,
  loadsConfig,
  parseCommandLine,
  printConfigAnswer,
  type Answer,
  type LoadCommand,
} from './cli.js';
import { isEntryPoint } from './common/entry-point.js';
import { createLogger, type Logger } from './common/logger.js';
import { SERVICE_NAME, VERSION } from './common/package-info.js';
import { ConfigError, loadConfiguration, maskedConfig, type LoadedConfig } from './config/load.js';
import type { Config } from './config/schema.js';
import { configWarnings } from './config/warnings.js';
import { isCredentialRefusal } from './keystoneauth/password.js';
import { clientErrorHandler } from './middleware/client-error.js';
import { createServices, optionsFromConfig, type ServiceOverrides, type Services } from './services.js';
import { startTelemetry } from './telemetry.js';

export interface RunningService {
  server: http.Server;
  url: string;
  /** The listener of /metrics alone, when [server] metrics_port asks for one. */
  metrics: { server: http.Server; url: string } | undefined;
  /** Drain and stop: readiness fails, no new connections, in-flight requests finish within the grace period. */
  shutdown(reason?: string): Promise<void>;
}

type Handler = (req: http.IncomingMessage, res: http.ServerResponse) => void;

/**
 * How long the process may take after its grace period (server.shutdown_grace): the calls still in flight are
 * abandoned at once (a hanging Keystone validation included), the pools close, and buffered spans get what is
 * left of this to be exported. So it exits within shutdown_grace + CLOSE_MARGIN_SECONDS of SIGTERM
 * (deploy/k8s: terminationGracePeriodSeconds must cover preStop + both).
 */
export const CLOSE_MARGIN_SECONDS = 5;

/**
 * An HTTP server with the [server] limits, listening on host:port; resolves with its URL. What Node's parser
 * refuses before a request exists is answered as JSON and logged (clientErrorHandler). `appChecksHost`: the app
 * answers an HTTP/1.1 request without Host itself (middleware/host-header.ts), not Node's bare 400.
 */
async function listen(
  s: Config['server'],
  port: number,
  handler: Handler,
  { logger, appChecksHost }: { logger: Logger; appChecksHost: boolean },
): Promise<[http.Server, string]> {
  const server = http.createServer(
    {
      requireHostHeader: !appChecksHost,
      keepAliveTimeout: s.keep_alive_timeout * 1000,
      headersTimeout: s.headers_timeout * 1000,
      requestTimeout: s.request_timeout * 1000,
      maxHeaderSize: s.max_header_size,
      // How often Node enforces headers_timeout/request_timeout (default 30 s would let slowloris linger).
      connectionsCheckingInterval: 1000,
    },
    handler,
  );
  server.on('clientError', clientErrorHandler(logger));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, s.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return [server, `http://${host === '0.0.0.0' ? '127.0.0.1' : host}:${address.port}`];
}

/**
 * Stop accepting, let open requests finish until `grace` ends, then close what is left, right after `cutOff` (in
 * the same turn: nothing a cut-off call does can reach the socket first).
 */
async function drain(
  server: http.Server,
  grace: Promise<'timeout'>,
  cutOff: () => void,
): Promise<'drained' | 'timeout'> {
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeIdleConnections();
  // Connections that finish their last response while draining become idle: close them as they do.
  const sweeper = setInterval(() => server.closeIdleConnections(), 100);
  const outcome = await Promise.race([closed.then(() => 'drained' as const), grace]);
  clearInterval(sweeper);
  if (outcome === 'timeout') {
    cutOff();
    server.closeAllConnections();
    await closed;
  }
  return outcome;
}

/** Authenticate the service user early so a credentials problem shows in the log at start-up. */
function authenticateEarly({ serviceAuth, session, logger }: Services): void {
  serviceAuth.getAccess(session).then(
    (access) => logger.info({ project_id: access.subject.projectId }, 'service user authenticated with Keystone'),
    (err: Error) => {
      if (isCredentialRefusal(err))
        logger.error(
          { reason: err.message },
          "Keystone refused the service user's credentials: not ready, and requests get 503, until they are fixed",
        );
      else
        logger.warn(
          { reason: err.message },
          'service user could not authenticate yet; requests will get 503 until it can',
        );
    },
  );
}

/** /metrics' own listener on [server] metrics_port; if it cannot listen, the API port is let go too. */
async function listenForMetrics(
  s: Config['server'],
  services: Services,
  api: http.Server,
): Promise<RunningService['metrics']> {
  const handle = createMetricsApp(services).callback();
  try {
    const [server, url] = await listen(s, s.metrics_port, (req, res) => void handle(req, res), {
      logger: services.logger,
      appChecksHost: false,
    });
    return { server, url };
  } catch (err) {
    await new Promise((resolve) => api.close(resolve));
    await services.close();
    throw err;
  }
}

/** Build everything from a validated config and listen: the API port, and /metrics' own when asked. */
export async function startService(
  config: Config,
  logger: Logger,
  overrides: ServiceOverrides = {},
): Promise<RunningService> {
  // Here rather than in main(): every start logs them, the demo's included.
  for (const warning of configWarnings(config)) logger.warn(warning);
  const services = createServices(optionsFromConfig(config), logger, overrides);
  const s = config.server;
  // Koa settles every request itself (errors included): nothing is left floating.
  const handle = createApp(services).callback();
  const [server, url] = await listen(s, s.port, (req, res) => void handle(req, res), {
    logger,
    appChecksHost: true,
  });
  const metrics = services.options.metricsOnOwnPort ? await listenForMetrics(s, services, server) : undefined;
  const where = { url, metrics_url: metrics?.url };
  logger.info({ ...where, version: VERSION, config: maskedConfig(config) }, `${SERVICE_NAME} service listening`);
  authenticateEarly(services);

  let stopping: Promise<void> | undefined;
  const shutdown = (reason = 'shutdown') =>
    (stopping ??= (async () => {
      logger.info({ reason, grace_s: s.shutdown_grace }, 'shutting down: readiness fails, draining in-flight requests');
      services.readiness.markShuttingDown();
      const grace = new Promise<'timeout'>((resolve) =>
        setTimeout(resolve, s.shutdown_grace * 1000, 'timeout').unref(),
      );
      // Past the grace period, as connections are cut off: abandon the upstream calls still in flight (a
      // validation waiting on a hanging Keystone would otherwise hold services.close() for its whole timeout).
      const abandon = () => services.session.abandon();
      const listeners = metrics ? [server, metrics.server] : [server];
      const outcomes = await Promise.all(listeners.map((listener) => drain(listener, grace, abandon)));
      const outcome = outcomes.includes('timeout') ? 'timeout' : 'drained';
      if (outcome === 'timeout') logger.warn('grace period over: closed the connections still open');
      await services.close();
      logger.info({ outcome }, 'stopped');
    })());

  return { server, url, metrics, shutdown };
}

const PROGRAM = 'node dist/server.js';

/** The configuration the command line names, or exit: 1 when it is invalid. */
function configure(command: LoadCommand): LoadedConfig {
  const configDir = fileURLToPath(new URL('../config', import.meta.url));
  try {
    return loadConfiguration({ env: process.env, configDir, sources: command.sources });
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${SERVICE_NAME}: invalid configuration\n${err.problems.map((p) => `  ${p}\n`).join('')}`);
    process.exit(EXIT_CONFIG);
  }
}

/** Print an answer; the process ends with its code once the output is written. */
function answer({ stdout, stderr, code }: Answer): void {
  process.stdout.write(stdout);
  process.stderr.write(stderr);
  process.exitCode = code;
}

async function main(): Promise<void> {
  const command = parseCommandLine(process.argv.slice(2));
  if (!loadsConfig(command)) return answer(immediateAnswer(command, PROGRAM));
  const loaded = configure(command);
  if (command.action === 'print-config') return answer(printConfigAnswer(loaded));
  const { config, warnings } = loaded;
  const logger = createLogger({ level: config.log.level });
  for (const warning of warnings) logger.warn(warning);
  process.on('uncaughtException', (err) => {
    logger.fatal({ err }, 'uncaught exception');
    logger.flush(() => process.exit(1));
  });
  process.on('unhandledRejection', (reason) => {
    logger.fatal({ err: reason }, 'unhandled promise rejection');
    logger.flush(() => process.exit(1));
  });

  // Before the service is built, so that the SDK's context manager carries every request's trace.
  const telemetry = await startTelemetry(process.env, logger);
  const service = await startService(config, logger);
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    if (++signals > 1) {
      logger.warn({ signal }, 'second signal: exiting now');
      logger.flush(() => process.exit(1));
      return;
    }
    void service
      .shutdown(signal)
      // An unreachable collector must not hold the exit past the margin (the SDK's export timeout is 30 s).
      .then(() => telemetry && Promise.race([telemetry.shutdown(), delay(CLOSE_MARGIN_SECONDS * 1000)]))
      .then(() => {
        logger.flush(() => process.exit(0));
      });
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

if (isEntryPoint(import.meta.url)) {
  main().catch((err: unknown) => {
    process.stderr.write(`${SERVICE_NAME}: failed to start: ${(err as Error).message}\n`);
    process.exit(1);
  });
}
