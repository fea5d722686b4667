// deploy/k8s checked without a cluster: the example overlay rendered with `kubectl kustomize` (a copy of the
// tree with throwaway secret files), every object validated against the Kubernetes API schemas
// (kubernetes-models), and the manifests checked against the project: config keys and values, probe paths
// and port, the image, the drain, memcached's pod names, selectors, the locked-down pods, no secret in git,
// and the one name (components/name) that every object follows.
import { before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as yaml from 'js-yaml';
import { loadConfig } from '../../src/config/load.js';
import { describeOptions } from '../../src/config/schema.js';
import { PROBE_PATHS } from '../../src/routes/health.js';
import { CLOSE_MARGIN_SECONDS } from '../../src/server.js';
import { OTHER_NAME, SERVICE_NAME } from '../helpers/names.js';
import { commandPath, skipWithout } from '../helpers/process.js';
import { describeOrSkip } from '../helpers/suite.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const K8S = path.join(ROOT, 'deploy/k8s');

const kubectl = commandPath('kubectl');
/** Outside CI the suite is skipped without kubectl; in CI it must run. */
const skip = skipWithout(kubectl, 'kubectl not installed (kubectl kustomize renders)');

interface K8sObject {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  [field: string]: any;
}

/** Render an overlay of a throwaway copy of deploy/k8s, with secret files written and `extra` applied. */
function render(extra?: (dir: string) => void): K8sObject[] {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'k8s-'));
  try {
    fs.cpSync(K8S, dir, { recursive: true });
    const secrets = path.join(dir, 'overlays/example/secrets');
    fs.writeFileSync(path.join(secrets, 'keystone-password'), 'test-password');
    fs.writeFileSync(path.join(secrets, 'memcache-secret-key'), 'a'.repeat(64));
    extra?.(dir);
    const out = execFileSync(kubectl, ['kustomize', path.join(dir, 'overlays/example')], { encoding: 'utf8' });
    return yaml.loadAll(out) as K8sObject[];
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The kubernetes-models class for an object's apiVersion and kind (CRDs: the Prometheus operator's). */
async function modelFor(obj: K8sObject): Promise<new (data: unknown) => { validate(): void }> {
  const pkg = obj.apiVersion.startsWith('monitoring.coreos.com/')
    ? '@kubernetes-models/prometheus-operator'
    : 'kubernetes-models';
  const mod = (await import(`${pkg}/${obj.apiVersion}/${obj.kind}`)) as Record<string, new (data: unknown) => never>;
  const model = mod[obj.kind];
  assert.ok(model, `no schema for ${obj.apiVersion} ${obj.kind}`);
  return model;
}

describeOrSkip('deploy/k8s', { skip }, () => {
  let objects: K8sObject[];
  const one = (kind: string, name: string): K8sObject => {
    const found = objects.find((o) => o.kind === kind && o.metadata.name.startsWith(name));
    assert.ok(found, `${kind} ${name} rendered`);
    return found;
  };
  const deployment = () => one('Deployment', SERVICE_NAME);
  const container = () => deployment().spec.template.spec.containers[0];
  const configMap = () => one('ConfigMap', `${SERVICE_NAME}-config`).data as Record<string, string>;

  before(() => {
    if (kubectl === '') throw new Error('CI needs kubectl (kubectl kustomize renders deploy/k8s)');
    objects = render();
  });

  test('renders every object docs/deploy.md lists, all in the overlay namespace', () => {
    const kinds = objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
    assert.deepEqual(kinds, [
      `ConfigMap/${SERVICE_NAME}-config`,
      `Deployment/${SERVICE_NAME}`,
      `HorizontalPodAutoscaler/${SERVICE_NAME}`,
      `Namespace/${SERVICE_NAME}`,
      `NetworkPolicy/${SERVICE_NAME}`,
      'NetworkPolicy/memcached',
      `PodDisruptionBudget/${SERVICE_NAME}`,
      `Secret/${SERVICE_NAME}-secrets`,
      `Service/${SERVICE_NAME}`,
      'Service/memcached',
      `ServiceAccount/${SERVICE_NAME}`,
      'StatefulSet/memcached',
    ].sort(), 'exactly the objects docs/deploy.md lists');
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) assert.equal(o.metadata.namespace, SERVICE_NAME, `${o.kind} ${o.metadata.name}: in the overlay's namespace`);
  });

  test('every object is valid against the Kubernetes API schemas (and the ServiceMonitor component too)', async () => {
    const withMonitor = render((dir) => {
      const file = path.join(dir, 'overlays/example/kustomization.yaml');
      fs.writeFileSync(
        file,
        fs
          .readFileSync(file, 'utf8')
          .replace('  # - ../../components/servicemonitor', '  - ../../components/servicemonitor'),
      );
    });
    const monitor = withMonitor.find((o) => o.kind === 'ServiceMonitor');
    assert.ok(monitor, 'the component adds a ServiceMonitor');
    const annotations = withMonitor.find((o) => o.kind === 'Deployment')!.spec.template.metadata.annotations;
    assert.equal(annotations['prometheus.io/scrape'], 'false', 'not scraped twice');
    for (const obj of withMonitor) {
      // kustomize wraps long base64 at 76 columns; the API server's decoder skips the newlines, the schema's
      // "byte" format does not.
      if (obj.kind === 'Secret')
        for (const key of Object.keys(obj.data ?? {})) obj.data[key] = String(obj.data[key]).replace(/\s/g, '');
      const Model = await modelFor(obj);
      assert.doesNotThrow(() => new Model(obj).validate(), `${obj.kind} ${obj.metadata.name}`);
    }
    // It scrapes the Service's named port at the path the server serves: the container's metrics port.
    const service = one('Service', SERVICE_NAME);
    assert.deepEqual(monitor.spec.selector.matchLabels, { 'app.kubernetes.io/name': SERVICE_NAME }, "the ServiceMonitor selects the service's Service");
    const scraped = service.spec.ports.find((p: { name: string }) => p.name === monitor.spec.endpoints[0].port);
    assert.equal(scraped?.targetPort, 'metrics', "the ServiceMonitor scrapes the Service port of the pods' metrics port");
    assert.ok(PROBE_PATHS.includes(monitor.spec.endpoints[0].path), 'at a path the server serves');
  });

  test('a broken manifest does fail the schema check', async () => {
    const broken = structuredClone(deployment());
    broken.spec.replicas = 'three';
    const Model = await modelFor(broken);
    assert.throws(() => new Model(broken).validate(), 'a Deployment with replicas "three" fails the schema check: the check can fail');
  });

  test('every OS_* variable is a real config key, and the values load', () => {
    const known = new Set(describeOptions().map((o) => o.env));
    const env: Record<string, string> = { ...configMap() };
    for (const v of container().env as { name: string }[]) env[v.name] = 'from-the-secret';
    for (const name of Object.keys(env)) assert.ok(known.has(name), `${name} is not a config key`);
    // The rendered settings pass the service's own validation (a typo'd value would stop start-up).
    const config = loadConfig({ env: { ...env, OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY: 'a'.repeat(64) } });
    assert.equal(config.keystone_authtoken.memcache_security_strategy, 'ENCRYPT', 'the rendered settings load, with ENCRYPT for memcached');
    assert.equal(config.server.host, '0.0.0.0', 'listening on every address in the pod');
  });

  test('probes and the container ports match the server: the API on http, /metrics alone on metrics', () => {
    const c = container();
    const port = Number(configMap().OS_SERVER__PORT);
    const metricsPort = Number(configMap().OS_SERVER__METRICS_PORT);
    assert.ok(metricsPort > 0 && metricsPort !== port, 'the base gives /metrics a port of its own');
    assert.deepEqual(
      c.ports,
      [
        { name: 'http', containerPort: port, protocol: 'TCP' },
        { name: 'metrics', containerPort: metricsPort, protocol: 'TCP' },
      ],
      'the container declares both ports the server listens on, named',
    );
    assert.equal(c.livenessProbe.httpGet.path, '/healthz', 'liveness on /healthz');
    assert.equal(c.startupProbe.httpGet.path, '/healthz', 'startup on /healthz');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz', 'readiness on /readyz');
    for (const probe of [c.livenessProbe, c.readinessProbe, c.startupProbe]) {
      assert.ok(PROBE_PATHS.includes(probe.httpGet.path), `${probe.httpGet.path}: a path the server serves`);
      assert.equal(probe.httpGet.port, 'http', 'probes ask the API port: the metrics port serves /metrics only');
    }
    const annotations = deployment().spec.template.metadata.annotations;
    assert.equal(Number(annotations['prometheus.io/port']), metricsPort, 'Prometheus scrapes the metrics port');
    assert.equal(annotations['prometheus.io/path'], '/metrics', 'at /metrics');
    const servicePorts = one('Service', SERVICE_NAME).spec.ports.map((p: { name: string; targetPort: string }) => [
      p.name,
      p.targetPort,
    ]);
    assert.deepEqual(
      servicePorts,
      [
        ['http', 'http'],
        ['metrics', 'metrics'],
      ],
      "the Service forwards each of its ports to the container's port of that name",
    );
  });

  test('a bad secret stalls a rollout with the old pods serving, and restarts no pod', () => {
    const d = deployment().spec;
    const c = container();
    // Old pods go only once a new one is available, and a new pod whose service user Keystone refuses is never
    // ready (/readyz: test/routes/health.test.ts).
    assert.equal(d.strategy.type, 'RollingUpdate', 'a rolling update');
    assert.equal(d.strategy.rollingUpdate.maxUnavailable, 0, 'no old pod goes before a new one is available');
    assert.ok(d.strategy.rollingUpdate.maxSurge >= 1, 'the rollout can add a pod to replace one');
    assert.equal(c.readinessProbe.httpGet.path, '/readyz', 'availability follows /readyz');
    // A pod that passes one probe and fails the next never counts as available.
    const p = c.readinessProbe as { periodSeconds: number; failureThreshold: number; timeoutSeconds: number };
    assert.ok(
      d.minReadySeconds > p.periodSeconds * p.failureThreshold + p.timeoutSeconds,
      `minReadySeconds (${d.minReadySeconds}) outlasts the probe noticing a failure`,
    );
    assert.ok(d.progressDeadlineSeconds > 0, 'a stalled rollout is eventually marked failed');
    // Neither the startup nor the liveness probe asks /readyz: a refused or cut-off pod is never restarted in a loop.
    for (const probe of [c.startupProbe, c.livenessProbe])
      assert.equal(probe.httpGet.path, '/healthz', 'restarts follow /healthz only');
    const pdb = one('PodDisruptionBudget', SERVICE_NAME).spec;
    assert.equal(pdb.maxUnavailable, 1, 'drains take one ready pod at a time');
    assert.equal(pdb.unhealthyPodEvictionPolicy, 'AlwaysAllow', "a stalled rollout's unready pod never blocks a drain");
  });

  test("the image: the base's placeholder, which the overlay points at the registry; compose builds its target", () => {
    const base = yaml.loadAll(fs.readFileSync(path.join(K8S, 'base/deployment.yaml'), 'utf8'))[0] as K8sObject;
    const placeholder = base.spec.template.spec.containers[0].image as string;
    const overlay = yaml.load(fs.readFileSync(path.join(K8S, 'overlays/example/kustomization.yaml'), 'utf8')) as {
      images: { name: string; newName: string; newTag: string }[];
    };
    assert.equal(overlay.images[0]!.name, placeholder, "the overlay's images: entry names the base's placeholder");
    assert.equal(container().image, `${overlay.images[0]!.newName}:${overlay.images[0]!.newTag}`, 'and replaces it');
    // The production image: the Dockerfile's last stage (its default target), which compose's service builds.
    const compose = yaml.load(fs.readFileSync(path.join(ROOT, 'docker-compose.yml'), 'utf8')) as {
      services: Record<string, { build?: { target?: string } }>;
    };
    const stages = [...fs.readFileSync(path.join(ROOT, 'Dockerfile'), 'utf8').matchAll(/^FROM \S+ AS (\S+)$/gm)];
    assert.equal(stages.at(-1)?.[1], 'runtime', "the Dockerfile's default target is the service's image");
    assert.equal(compose.services.service?.build?.target, 'runtime', 'compose runs the service from that target');
  });

  test('one name: components/name/name.yaml renamed, every object follows, and no placeholder is left', () => {
    const rendered = (objs: K8sObject[]) => yaml.dump(objs);
    assert.ok(!rendered(objects).includes('SERVICE_NAME'), 'components/name fills every placeholder');
    const renamed = render((dir) => {
      const file = path.join(dir, 'components/name/name.yaml');
      const text = fs.readFileSync(file, 'utf8');
      assert.ok(text.includes(`\n  name: ${SERVICE_NAME}\n`), "name.yaml holds package.json's name");
      fs.writeFileSync(file, text.replace(`\n  name: ${SERVICE_NAME}\n`, `\n  name: ${OTHER_NAME}\n`));
    });
    const names = renamed.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`).sort();
    assert.deepEqual(
      names,
      objects.map((o) => `${o.kind}/${o.metadata.name.replace(/-[a-z0-9]{10}$/, '')}`.replace(SERVICE_NAME, OTHER_NAME)).sort(),
      'the same objects, each named after the new name where it was named after the old one',
    );
    for (const o of renamed) {
      if (o.kind !== 'Namespace') assert.equal(o.metadata.namespace, OTHER_NAME, `${o.kind} in the new namespace`);
      assert.equal(o.metadata.labels?.['app.kubernetes.io/part-of'], OTHER_NAME, `${o.kind} is part of it`);
    }
    const deployment = renamed.find((o) => o.kind === 'Deployment')!;
    const config = renamed.find((o) => o.kind === 'ConfigMap')!.data as Record<string, string>;
    assert.equal(config.OS_KEYSTONE_AUTHTOKEN__SERVICE_TYPE, OTHER_NAME, 'its catalog type is the new name');
    assert.deepEqual(deployment.spec.template.metadata.labels, { 'app.kubernetes.io/name': OTHER_NAME }, 'pods');
    // Only the example site's registry path may still say the old name: the site's choice, not the service's name.
    const left = rendered(renamed)
      .split('\n')
      .filter((l) => l.includes(SERVICE_NAME) || l.includes('SERVICE_NAME'))
      .map((l) => l.trim());
    assert.deepEqual(
      left.filter((l) => !l.startsWith('image: registry.example.org/')),
      [],
      'nothing but the registry path has the old name or a placeholder',
    );
  });

  test('the drain: preStop, then server.shutdown_grace, within terminationGracePeriodSeconds', () => {
    const spec = deployment().spec.template.spec;
    const preStop = container().lifecycle.preStop.sleep.seconds as number;
    const grace = Number(configMap().OS_SERVER__SHUTDOWN_GRACE);
    assert.ok(preStop >= 3, 'long enough for endpoint removal to propagate');
    assert.ok(
      spec.terminationGracePeriodSeconds > preStop + grace + CLOSE_MARGIN_SECONDS,
      'SIGKILL never cuts the drain short: preStop, the grace period and the close after it fit, with room to spare',
    );
    assert.equal(deployment().spec.strategy.rollingUpdate.maxUnavailable, 0, 'a rolling update never takes a pod away before its replacement is ready');
  });

  test("memcached: the service lists every StatefulSet pod by its stable name, and ENCRYPT's key is a secret", () => {
    const sts = one('StatefulSet', 'memcached');
    const headless = one('Service', 'memcached');
    assert.equal(headless.spec.clusterIP, 'None', 'memcached\'s Service is headless: each pod has its own name');
    assert.equal(sts.spec.serviceName, headless.metadata.name, 'the StatefulSet names its headless Service');
    const port = sts.spec.template.spec.containers[0].ports[0].containerPort as number;
    const expected = Array.from(
      { length: sts.spec.replicas as number },
      (_, i) => `${sts.metadata.name}-${i}.${headless.metadata.name}:${port}`,
    );
    assert.deepEqual(configMap().OS_KEYSTONE_AUTHTOKEN__MEMCACHED_SERVERS!.split(','), expected, 'the service lists every memcached pod by its stable DNS name');
    assert.equal(configMap().OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECURITY_STRATEGY, 'ENCRYPT', 'ENCRYPT for memcached entries');
    const secretRefs = (container().env as { name: string; valueFrom: { secretKeyRef: { name: string } } }[]).map(
      (e) => [e.name, e.valueFrom.secretKeyRef.name],
    );
    const secretName = one('Secret', `${SERVICE_NAME}-secrets`).metadata.name;
    assert.deepEqual(secretRefs, [
      ['OS_KEYSTONE_AUTHTOKEN__PASSWORD', secretName],
      ['OS_KEYSTONE_AUTHTOKEN__MEMCACHE_SECRET_KEY', secretName],
    ], 'the password and the memcached key come from the generated Secret');
  });

  test('selectors: Service, PDB, HPA, spreading and the NetworkPolicies all find the pods they mean', () => {
    const podLabels = deployment().spec.template.metadata.labels as Record<string, string>;
    const matches = (selector: Record<string, string>, labels: Record<string, string>) =>
      Object.entries(selector).every(([k, v]) => labels[k] === v);
    assert.ok(matches(one('Service', SERVICE_NAME).spec.selector, podLabels), 'the Service selects the service\'s pods');
    assert.ok(matches(one('PodDisruptionBudget', SERVICE_NAME).spec.selector.matchLabels, podLabels), 'the PDB selects them too');
    const hpa = one('HorizontalPodAutoscaler', SERVICE_NAME);
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: SERVICE_NAME }, 'the HPA scales the Deployment');
    // The HPA alone owns the replica count: a `replicas` here would be reset by every `kubectl apply -k`.
    assert.equal(deployment().spec.replicas, undefined, 'no replicas in the Deployment: the HPA owns the count');
    assert.ok(hpa.spec.minReplicas >= 3, 'at least three replicas');
    const keys = deployment().spec.template.spec.topologySpreadConstraints.map(
      (t: { topologyKey: string; labelSelector: { matchLabels: Record<string, string> } }) => {
        assert.ok(matches(t.labelSelector.matchLabels, podLabels), `${t.topologyKey}: spreading counts the service's pods`);
        return t.topologyKey;
      },
    );
    assert.deepEqual(keys, ['kubernetes.io/hostname', 'topology.kubernetes.io/zone'], 'spread over nodes and zones');
    // Only the service's pods reach memcached, on its port.
    const mcPolicy = one('NetworkPolicy', 'memcached');
    const memcachedLabels = one('StatefulSet', 'memcached').spec.template.metadata.labels as Record<string, string>;
    assert.ok(matches(mcPolicy.spec.podSelector.matchLabels, memcachedLabels), 'the memcached policy selects memcached\'s pods');
    assert.equal(mcPolicy.spec.ingress.length, 1, 'one ingress rule');
    assert.deepEqual(mcPolicy.spec.ingress[0].from, [{ podSelector: { matchLabels: podLabels } }], 'from the service\'s pods only');
    assert.deepEqual(mcPolicy.spec.ingress[0].ports, [{ protocol: 'TCP', port: 11211 }], 'on memcached\'s port');
    const own = one('NetworkPolicy', SERVICE_NAME);
    assert.ok(matches(own.spec.podSelector.matchLabels, podLabels), "the service's policy selects its pods");
    assert.deepEqual(
      own.spec.ingress,
      [
        { ports: [{ protocol: 'TCP', port: Number(configMap().OS_SERVER__PORT) }] },
        {
          from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
          ports: [{ protocol: 'TCP', port: Number(configMap().OS_SERVER__METRICS_PORT) }],
        },
      ],
      'the API port from anywhere, the metrics port from the monitoring namespace only',
    );
  });

  test('every pod is locked down (the restricted Pod Security Standard)', () => {
    for (const workload of [deployment(), one('StatefulSet', 'memcached')]) {
      const pod = workload.spec.template.spec;
      assert.equal(pod.automountServiceAccountToken, false, workload.metadata.name);
      assert.equal(pod.securityContext.runAsNonRoot, true, `${workload.metadata.name}: runs as non-root`);
      assert.equal(pod.securityContext.seccompProfile.type, 'RuntimeDefault', `${workload.metadata.name}: the runtime's default seccomp profile`);
      for (const c of pod.containers) {
        assert.equal(c.securityContext.allowPrivilegeEscalation, false, `${c.name}: no privilege escalation`);
        assert.equal(c.securityContext.readOnlyRootFilesystem, true, `${c.name}: a read-only root filesystem`);
        assert.deepEqual(c.securityContext.capabilities.drop, ['ALL'], `${c.name}: every capability dropped`);
        assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.memory, `${c.name}: CPU and memory requests and a memory limit`);
      }
    }
    const tokenCacheMiB = Number(configMap().OS_KEYSTONE_AUTHTOKEN__TOKEN_CACHE_MEMORY_MB);
    const mib = (v: string) => parseInt(v, 10);
    // Room for the cache and for the process under load (its RSS reaches about 390 MiB in the benchmarks).
    assert.ok(tokenCacheMiB + 400 <= mib(container().resources.limits.memory as string), 'limit above load RSS');
    assert.ok(mib(container().resources.requests.memory as string) >= 320, 'request near load RSS');
  });

  test('no secret in git: no Secret manifest, generators read files only, and those files are ignored', () => {
    const files = fs.readdirSync(K8S, { recursive: true, encoding: 'utf8' }).filter((f) => /\.ya?ml$/.test(f));
    for (const file of files) {
      for (const doc of yaml.loadAll(fs.readFileSync(path.join(K8S, file), 'utf8')) as K8sObject[]) {
        assert.notEqual(doc?.kind, 'Secret', `${file} writes a Secret inline`);
        for (const gen of (doc as { secretGenerator?: Record<string, unknown>[] })?.secretGenerator ?? []) {
          assert.equal(gen.literals, undefined, `${file}: secretGenerator literals put secrets in git`);
          for (const entry of gen.files as string[]) {
            const source = path.join(path.dirname(path.join(K8S, file)), entry.split('=').pop()!);
            // git check-ignore exits 1 (and execFileSync throws) when the file would be committed.
            assert.doesNotThrow(
              () => execFileSync('git', ['check-ignore', '-q', source], { cwd: ROOT, stdio: 'ignore' }),
              `${source} is not ignored by git`,
            );
          }
        }
      }
    }
  });
});
