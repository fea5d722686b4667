// Worked example (docs/forking.md): a client for another OpenStack service. Keystone's GET /v3/auth/projects
// lists the projects the caller has a role on; the client makes that call through an Adapter, as the caller.
// A client is this much: which service (IDENTITY_SERVICE: identity, v3, "identity service" in errors), where
// (endpoint options from configuration), and its calls. Not part of the shipped service: src/ is.
import { Adapter, IDENTITY_SERVICE, type EndpointOptions } from '../../src/keystoneauth/adapter.js';
import type { AuthPlugin } from '../../src/keystoneauth/plugin.js';
import type { Session } from '../../src/keystoneauth/session.js';

/** A project as this example hands it on (Keystone sends more: enabled, links, parent_id...). */
export interface Project {
  id: string;
  name: string;
  domain_id: string;
}

function isProject(value: unknown): value is Project {
  const p = value as Partial<Record<keyof Project, unknown>> | null;
  return typeof p?.id === 'string' && typeof p.name === 'string' && typeof p.domain_id === 'string';
}

export class ProjectsClient {
  constructor(private readonly keystone: Adapter) {}

  /** The caller's projects (Keystone answers them in one page: /v3/auth/projects takes no limit). */
  async list({ signal }: { signal?: AbortSignal } = {}): Promise<Project[]> {
    const response = await this.keystone.get('auth/projects', { signal });
    const { projects } = response.json<{ projects?: unknown }>();
    if (!Array.isArray(projects) || !projects.every(isProject)) {
      throw this.keystone.protocolError('Keystone sent a projects list that is not one', response);
    }
    return projects.map(({ id, name, domain_id }) => ({ id, name, domain_id }));
  }
}

/** ProjectsClients acting as the plugin a route hands in, through the one global session. */
export function projectsClientFactory(
  session: Session,
  endpoint: EndpointOptions = {},
): (auth: AuthPlugin) => ProjectsClient {
  return (auth) => new ProjectsClient(new Adapter(session, auth, { ...IDENTITY_SERVICE, ...endpoint }));
}
