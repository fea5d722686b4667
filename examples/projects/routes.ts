// Worked example (docs/forking.md): GET /projects returns the caller's projects as [{id, name, domain_id}],
// asked of Keystone with the caller's own keystone.token_auth plugin. Upstream failures need no handling
// here: the error handler turns them into 502/503/504 naming "the identity service".
import Router from '@koa/router';
import { requireUser, type AuthState } from '../../src/auth-token/middleware.js';
import type { AuthPlugin } from '../../src/keystoneauth/plugin.js';
import { callerSignal } from '../../src/middleware/caller-signal.js';
import type { RequestIdState } from '../../src/middleware/request-scope.js';
import type { ProjectsClient } from './client.js';

export function projectRoutes({
  projectsClient,
}: {
  /** A Keystone client acting as the given plugin (bound to the global session by createServices). */
  projectsClient: (auth: AuthPlugin) => ProjectsClient;
}): Router<AuthState & RequestIdState> {
  const router = new Router<AuthState & RequestIdState>();
  router.get('/projects', async (ctx) => {
    const auth = ctx.state.tokenAuth;
    // Reached without a user only under delay_auth_decision: this route acts as the caller, so it needs one.
    requireUser(auth);
    // A caller who hangs up should not keep Keystone busy on their behalf.
    ctx.body = await projectsClient(auth).list({ signal: callerSignal(ctx) });
  });
  return router;
}
