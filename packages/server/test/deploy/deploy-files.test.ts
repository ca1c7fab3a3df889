/**
 * The deployment files under deploy/ and the guide docs/deployment.md (issue 10 §7). Docker and
 * Kubernetes cannot run here, so this checks what can be checked without them:
 * - every YAML file parses (the `yaml` package, every document), every systemd unit parses;
 * - every `SECUREVOD_*` setting they name is one the server reads (config/*.ts), every
 *   flag one the CLI defines, every role a real role;
 * - the shapes the issue asks for: a systemd unit per role; compose with nginx TLS termination,
 *   PostgreSQL, Redis (append-only, noeviction), MinIO, two API nodes and two workers; a
 *   Kubernetes Deployment per role with /healthz and /readyz probes, the KMS Secret mounted in
 *   each, a worker HPA, and termination grace longer than the drain.
 *
 */
import assert from 'node:assert/strict';
import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { parseAllDocuments } from 'yaml';
import { ROLES } from '../../src/config/server-config.js';
import { REPO_ROOT } from '../support/server-process.js';

const DEPLOY = join(REPO_ROOT, 'deploy');

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

async function source(path: string): Promise<string> {
  return readFile(join(REPO_ROOT, path), 'utf8');
}

/** Settings the server reads: the names quoted in the config modules, and ffmpeg's two. */
async function knownSettings(): Promise<Set<string>> {
  const dir = 'packages/server/src/config';
  const modules = (await readdir(join(REPO_ROOT, dir))).filter((f) => f.endsWith('.ts'));
  const config = (await Promise.all(modules.map((f) => source(`${dir}/${f}`)))).join('\n');
  const names = new Set([...config.matchAll(/'(SECUREVOD_[A-Z0-9_]+)'/g)].map((m) => m[1]!));
  names.add('FFMPEG_PATH');
  names.add('FFPROBE_PATH');
  return names;
}

/** Flags the `server` and `worker` commands define. */
async function knownFlags(): Promise<Set<string>> {
  const text = [
    await source('packages/server/src/cli/server-command.ts'),
    await source('packages/server/src/cli/service-runner.ts'),
    await source('packages/server/src/cli/worker-command.ts'),
  ].join('\n');
  return new Set([...text.matchAll(/\.option\(\s*'(--[a-z-]+)/g)].map((m) => m[1]!));
}

/** Checks a securevod command line: command, flags, roles. */
function checkCommand(args: string[], flags: Set<string>, where: string): void {
  assert.ok(['server', 'worker'].includes(args[0]!), `${where}: unknown command ${args[0]}`);
  for (const [i, arg] of args.entries()) {
    if (!arg.startsWith('--')) continue;
    assert.ok(flags.has(arg), `${where}: unknown flag ${arg}`);
    if (arg === '--roles') {
      for (const role of args[i + 1]!.split(',')) {
        assert.ok((ROLES as readonly string[]).includes(role), `${where}: unknown role ${role}`);
      }
    }
  }
}

/** A systemd unit: sections of key=value lines (repeated keys kept in order). */
function parseUnit(text: string, where: string): Map<string, [string, string][]> {
  const sections = new Map<string, [string, string][]>();
  let current: [string, string][] | undefined;
  for (const [n, raw] of text.split('\n').entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[([A-Za-z]+)\]$/.exec(line);
    if (section) {
      current = [];
      sections.set(section[1]!, current);
      continue;
    }
    const pair = /^([A-Za-z]+)=(.*)$/.exec(line);
    assert.ok(pair && current, `${where}:${n + 1}: not a section or key=value: ${raw}`);
    current.push([pair[1]!, pair[2]!]);
  }
  return sections;
}

const value = (section: [string, string][] | undefined, key: string) =>
  section?.find(([k]) => k === key)?.[1];

type Doc = Record<string, unknown>;
const get = (doc: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], doc);

async function yamlDocs(path: string): Promise<Doc[]> {
  // Compose files use merge keys (`<<: *anchor`), as Docker Compose allows.
  const docs = parseAllDocuments(await readFile(path, 'utf8'), { merge: true });
  const list = Array.isArray(docs) ? docs : [docs];
  for (const doc of list) {
    assert.deepEqual(
      doc.errors.map((e) => e.message),
      [],
      `${relative(REPO_ROOT, path)} parses`,
    );
  }
  return list.map((doc) => doc.toJS({ maxAliasCount: 1000 }) as Doc).filter(Boolean);
}

describe('deployment files', () => {
  it('name only settings, flags and roles that exist', async () => {
    const settings = await knownSettings();
    const flags = await knownFlags();
    const files = [...(await filesUnder(DEPLOY)), join(REPO_ROOT, 'docs/deployment.md')];
    for (const file of files) {
      const where = relative(REPO_ROOT, file);
      const text = await readFile(file, 'utf8');
      for (const [name] of text.matchAll(/\bSECUREVOD_[A-Z0-9_]*[A-Z0-9]\b/g)) {
        assert.ok(settings.has(name), `${where} names ${name}, which the server does not read`);
      }
      for (const [, roles] of text.matchAll(/SECUREVOD_ROLES[=:]\s*'?([a-z,]+)/g)) {
        for (const role of roles!.split(','))
          assert.ok((ROLES as readonly string[]).includes(role), `${where}: role ${role}`);
      }
      for (const [, line] of text.matchAll(/securevod(?:\.mjs)? ((?:server|worker)\b[^\n`"]*)/g)) {
        checkCommand(line!.trim().split(/\s+/), flags, where);
      }
    }
  });

  it('parses every YAML file', async () => {
    const yamlFiles = (await filesUnder(DEPLOY)).filter((f) => /\.ya?ml$/.test(f));
    assert.ok(yamlFiles.length >= 8, `found ${yamlFiles.length} YAML files`);
    for (const file of yamlFiles) assert.ok((await yamlDocs(file)).length > 0, file);
  });

  it('has a systemd unit per role that drains on SIGTERM', async () => {
    const flags = await knownFlags();
    const units = (await filesUnder(join(DEPLOY, 'systemd'))).filter((f) => f.endsWith('.service'));
    const roles = new Set<string>();
    for (const file of units) {
      const where = relative(REPO_ROOT, file);
      const unit = parseUnit(await readFile(file, 'utf8'), where);
      for (const section of ['Unit', 'Service', 'Install'])
        assert.ok(unit.has(section), `${where} [${section}]`);
      const service = unit.get('Service');
      const exec = value(service, 'ExecStart')!.split(/\s+/);
      assert.match(exec[1]!, /packages\/server\/bin\/securevod\.mjs$/, where);
      checkCommand(exec.slice(2), flags, where);
      if (exec[2] === 'worker') roles.add('worker');
      else for (const role of exec[exec.indexOf('--roles') + 1]!.split(',')) roles.add(role);
      assert.equal(value(service, 'KillSignal'), 'SIGTERM', where);
      assert.ok(Number(value(service, 'TimeoutStopSec')) > 25, `${where}: stop timeout beyond the drain`);
      assert.match(value(service, 'EnvironmentFile') ?? '', /securevod\.env$/, where);
    }
    assert.deepEqual([...roles].sort(), [...ROLES].sort(), 'one unit per role');
  });

  it('composes nginx (TLS), PostgreSQL, Redis, MinIO, two API nodes and two workers', async () => {
    const flags = await knownFlags();
    const [compose] = await yamlDocs(join(DEPLOY, 'compose/compose.yaml'));
    const services = get(compose, 'services') as Record<string, Doc>;
    const securevod = Object.entries(services).filter(
      ([, s]) => get(s, 'build.dockerfile') === 'deploy/container/Dockerfile',
    );
    const commands = securevod.map(([name, s]) => [name, s.command as string[]] as const);
    for (const [name, command] of commands) checkCommand(command, flags, `compose ${name}`);
    const api = commands.filter(([, c]) => c[0] === 'server' && /--roles \S*\bapi\b/.test(c.join(' ')));
    const workers = commands.filter(([, c]) => c[0] === 'worker');
    assert.equal(securevod.length, 4, 'four securevod nodes');
    assert.equal(api.length, 2, 'two API nodes');
    assert.equal(workers.length, 2, 'two workers');
    for (const [name, s] of securevod) {
      const env = s.environment as Record<string, string>;
      for (const setting of [
        'SECUREVOD_DATABASE_URL',
        'SECUREVOD_REDIS_URL',
        'SECUREVOD_S3_BUCKET',
        'SECUREVOD_KMS_DIR',
      ]) {
        assert.ok(env[setting], `${name} sets ${setting}`);
      }
      assert.equal(s.stop_signal, 'SIGTERM');
    }
    assert.match(String(get(services, 'postgres.image')), /^postgres:/);
    assert.match(String(get(services, 'minio.image')), /^minio\/minio/);
    const redis = (get(services, 'redis.command') as string[]).join(' ');
    assert.match(redis, /--appendonly yes/);
    assert.match(redis, /--maxmemory-policy noeviction/);
    assert.match(String(get(services, 'nginx.image')), /^nginx:/);
    const nginx = await readFile(join(DEPLOY, 'compose/nginx.conf'), 'utf8');
    assert.match(nginx, /listen 443 ssl;/);
    assert.match(nginx, /client_max_body_size 0;/);
    for (const [name] of api)
      assert.match(nginx, new RegExp(`server ${name}:8080`), `nginx proxies to ${name}`);
  });

  it('has a Kubernetes Deployment per role with probes, the KMS Secret, and a worker HPA', async () => {
    const flags = await knownFlags();
    const dir = join(DEPLOY, 'kubernetes');
    const docs = (await Promise.all((await filesUnder(dir)).map(yamlDocs))).flat();
    const kmsSecret = docs.find((d) => d.kind === 'Secret' && get(d, 'metadata.name') === 'securevod-kms');
    assert.ok(kmsSecret, 'a Secret for the KMS keys');
    const deployments = docs.filter((d) => d.kind === 'Deployment');
    const roles = new Set<string>();
    for (const deployment of deployments) {
      const name = String(get(deployment, 'metadata.name'));
      const [container] = get(deployment, 'spec.template.spec.containers') as Doc[];
      const args = container!.args as string[];
      checkCommand(args, flags, name);
      if (args[0] === 'worker') roles.add('worker');
      else for (const role of args[args.indexOf('--roles') + 1]!.split(',')) roles.add(role);
      assert.equal(get(container, 'livenessProbe.httpGet.path'), '/healthz', `${name} liveness`);
      assert.equal(get(container, 'readinessProbe.httpGet.path'), '/readyz', `${name} readiness`);
      const volumes = get(deployment, 'spec.template.spec.volumes') as Doc[];
      const kms = volumes.find((v) => get(v, 'secret.secretName') === 'securevod-kms');
      assert.ok(kms, `${name} mounts the KMS Secret`);
      assert.equal(get(kms, 'secret.defaultMode'), 0o440, `${name}: key files 0440 (group = fsGroup)`);
      const mount = (container!.volumeMounts as Doc[]).find((m) => m.name === kms.name);
      assert.equal(mount?.readOnly, true, `${name}: KMS mounted read-only`);
      assert.ok(
        Number(get(deployment, 'spec.template.spec.terminationGracePeriodSeconds')) > 25,
        `${name} grace`,
      );
    }
    assert.deepEqual([...roles].sort(), [...ROLES].sort(), 'a Deployment per role');
    const hpa = docs.find((d) => d.kind === 'HorizontalPodAutoscaler');
    assert.equal(get(hpa, 'spec.scaleTargetRef.kind'), 'Deployment');
    const target = deployments.find((d) => get(d, 'metadata.name') === get(hpa, 'spec.scaleTargetRef.name'));
    assert.equal(
      (get(target, 'spec.template.spec.containers') as Doc[])[0]!.args?.toString().split(',')[0],
      'worker',
      'the HPA scales workers',
    );
  });
});
