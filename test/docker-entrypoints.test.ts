/**
 * docker/ without a Docker engine: what can be checked of docker/Dockerfile and
 * docker/compose.yaml from here. The commands they run are real `gauntlet` commands with real
 * options (asked of the built CLI with --help), every COPY source exists in the build context, the
 * runtime stage holds what the service reads at run time, the HEALTHCHECK script answers 0/1
 * against a real server, and the compose services agree on image, volume and queue.
 * The image itself is not built here (no engine runs in CI).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, posix, relative, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { BUNDLED_REFERENCES } from '../src/audit/integrity';
import { BIN, DIST_SKIP, ROOT, startCli } from './support/cli-process';

const DOCKER = join(ROOT, 'docker');
const DOCKERFILE = join(DOCKER, 'Dockerfile');

interface Instruction { op: string; args: string; line: number }
interface Stage { from: string; name: string | null; instructions: Instruction[] }

/** Dockerfile → stages of instructions (continuation lines joined, comment lines dropped). */
function parseDockerfile(text: string): Stage[] {
  const stages: Stage[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (/^\s*(#|$)/.test(lines[i])) continue;
    const start = i + 1;
    let logical = lines[i];
    while (/\\\s*$/.test(logical) && i + 1 < lines.length) {
      logical = logical.replace(/\\\s*$/, ' ');
      i++;
      if (!/^\s*#/.test(lines[i])) logical += lines[i];
    }
    const m = /^\s*(\w+)\s+(.*)$/.exec(logical);
    if (!m) throw new Error(`Dockerfile line ${start}: cannot parse '${logical}'`);
    const ins = { op: m[1].toUpperCase(), args: m[2].trim(), line: start };
    if (ins.op === 'FROM') {
      const f = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(ins.args)!;
      stages.push({ from: f[1], name: f[2] ?? null, instructions: [] });
    } else {
      if (!stages.length) throw new Error(`Dockerfile line ${start}: ${ins.op} before FROM`);
      stages[stages.length - 1].instructions.push(ins);
    }
  }
  return stages;
}

/** An exec-form argument list (JSON array). */
function execForm(args: string): string[] {
  expect(args.startsWith('[')).toBe(true);
  return JSON.parse(args) as string[];
}

interface Copy { from: string | null; sources: string[]; dest: string; line: number }

function copies(stage: Stage): Copy[] {
  return stage.instructions.filter((i) => i.op === 'COPY').map((i) => {
    const words = i.args.split(/\s+/);
    let from: string | null = null;
    while (words[0].startsWith('--')) {
      const flag = words.shift()!;
      if (flag.startsWith('--from=')) from = flag.slice('--from='.length);
    }
    return { from, sources: words.slice(0, -1), dest: words[words.length - 1], line: i.line };
  });
}

/** The stage's WORKDIR in force at the end (the Dockerfile sets it once per stage). */
function workdir(stage: Stage): string {
  const w = stage.instructions.filter((i) => i.op === 'WORKDIR');
  expect(w).toHaveLength(1);
  return w[0].args;
}

/** Absolute in-image destination of a COPY. */
function destOf(stage: Stage, c: Copy, source: string): string {
  const base = posix.resolve(workdir(stage), c.dest);
  return c.dest.endsWith('/') || c.sources.length > 1 ? posix.join(base, posix.basename(source)) : base;
}

/** ENV key=value pairs of a stage. */
function envOf(stage: Stage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const i of stage.instructions.filter((x) => x.op === 'ENV')) {
    for (const m of i.args.matchAll(/(\w+)=("[^"]*"|\S+)/g)) out[m[1]] = m[2].replace(/^"|"$/g, '');
  }
  return out;
}

/** Whether an in-image path lies in what the runtime stage copies. */
function runtimeHas(stage: Stage, imagePath: string): boolean {
  return copies(stage).some((c) => c.sources.some((s) => {
    const d = destOf(stage, c, s);
    return imagePath === d || imagePath.startsWith(`${d}/`);
  }));
}

/** A dockerignore glob segment as a regular expression (`*` within one path segment). */
function segment(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*')}$`);
}

/**
 * The pattern of docker/Dockerfile.dockerignore (BuildKit's per-Dockerfile ignore file) that
 * excludes `rel`, or null. The file uses only `name`, `*.ext` (anchored at the context root) and
 * `**` + `/name` (any depth), which is all this matcher understands.
 */
function ignoredBy(rel: string): string | null {
  const file = join(DOCKER, 'Dockerfile.dockerignore');
  if (!existsSync(file)) return null;
  const parts = rel.split('/');
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const p = raw.trim();
    if (!p || p.startsWith('#')) continue;
    if (p.includes('/') && !p.startsWith('**/')) throw new Error(`Dockerfile.dockerignore: pattern '${p}' is beyond this test's matcher`);
    const re = segment(p.replace(/^\*\*\//, ''));
    if (p.startsWith('**/') ? parts.some((x) => re.test(x)) : re.test(parts[0])) return p;
  }
  return null;
}

const stages = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
const build = stages.find((s) => s.name === 'build')!;
const runtime = stages[stages.length - 1];
const compose = parseYaml(readFileSync(join(DOCKER, 'compose.yaml'), 'utf8'), { merge: true }) as {
  services: Record<string, any>;
  volumes?: Record<string, unknown>;
};

/** Runs `gauntlet <words> --help` and checks the command exists and lists every option used. */
function checkCommand(args: string[], where: string): void {
  const words: string[] = [];
  for (const a of args) { if (a.startsWith('-')) break; words.push(a); }
  const flags = args.filter((a) => /^--[a-z]/.test(a)).map((a) => a.split('=')[0]);
  const r = spawnSync(process.execPath, [BIN, ...words, '--help'], { cwd: ROOT, encoding: 'utf8', timeout: 30_000 });
  const help = r.stdout + r.stderr;
  expect({ where, status: r.status }).toEqual({ where, status: 0 });
  // An unknown command prints the top-level help (also with status 0): the usage line must name it.
  expect({ where, usage: help.split('\n')[0] }).toEqual({ where, usage: `Usage: gauntlet ${words.join(' ')} [options]` });
  for (const f of flags) expect({ where, flag: f, listed: new RegExp(`(^|[\\s,])${f}\\b`, 'm').test(help) }).toEqual({ where, flag: f, listed: true });
}

/** `node bin/gauntlet.js …` commands written in docker/README.md (placeholders like NAME kept). */
function readmeCommands(): string[][] {
  const text = readFileSync(join(DOCKER, 'README.md'), 'utf8');
  return [...text.matchAll(/node bin\/gauntlet\.js ([^`\n]+)/g)].map((m) => m[1].trim().split(/\s+/));
}

const WORKER_SKIP = existsSync(join(ROOT, 'src', 'cli', 'worker.ts')) ? undefined : 'src/cli/worker.ts is not in this checkout yet';

describe('docker/Dockerfile', () => {
  test('has a build stage and a node:20-bookworm-slim runtime stage', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    expect(build).toBeDefined();
    expect(runtime).not.toBe(build);
    expect(runtime.from).toBe('node:20-bookworm-slim');
  });

  test('every COPY source exists in the build context (the repository root) and is not ignored', () => {
    const local = stages.flatMap((s) => copies(s).filter((c) => c.from === null));
    expect(local.length).toBeGreaterThan(3);
    for (const c of local) {
      for (const s of c.sources) {
        const p = resolve(ROOT, s);
        expect({ line: c.line, source: s, exists: existsSync(p) }).toEqual({ line: c.line, source: s, exists: true });
        expect({ line: c.line, source: s, ignoredBy: ignoredBy(relative(ROOT, p)) }).toEqual({ line: c.line, source: s, ignoredBy: null });
      }
    }
  });

  test('the build stage gets everything `npm ci` needs: manifests, .npmrc, the sources tsconfig.build.json compiles, a C++ toolchain', () => {
    const copied = new Set(copies(build).filter((c) => c.from === null).flatMap((c) => c.sources));
    for (const f of ['package.json', 'package-lock.json', '.npmrc', 'tsconfig.json', 'tsconfig.build.json']) expect([f, copied.has(f)]).toEqual([f, true]);
    const buildConfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.build.json'), 'utf8')) as { include: string[] };
    for (const dir of buildConfig.include) expect([dir, copied.has(dir)]).toEqual([dir, true]);
    const run = build.instructions.filter((i) => i.op === 'RUN').map((i) => i.args).join('\n');
    expect(run).toMatch(/npm ci\b/);
    // `npm ci` compiles through the `prepare` script; the runtime copies that output.
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> };
    expect(pkg.scripts.prepare).toMatch(/tsc -p tsconfig\.build\.json/);
    for (const tool of ['python3', 'make', 'g++']) expect(run).toContain(tool);
    expect(run).toMatch(/npm prune --omit=dev/);
  });

  test('the runtime stage copies from the build stage only what it produces (package.json, node_modules, the compiled dist/)', () => {
    const tsconfig = JSON.parse(readFileSync(join(ROOT, 'tsconfig.json'), 'utf8')) as { compilerOptions: { outDir: string } };
    const produced = new Set(['package.json', 'node_modules', tsconfig.compilerOptions.outDir].map((p) => posix.join(workdir(build), p)));
    for (const c of copies(runtime).filter((x) => x.from !== null)) {
      expect(c.from).toBe('build');
      for (const s of c.sources) expect([s, produced.has(s)]).toEqual([s, true]);
    }
  });

  test('ENTRYPOINT is node bin/gauntlet.js, and the module it loads is in the runtime stage', () => {
    const entry = execForm(runtime.instructions.find((i) => i.op === 'ENTRYPOINT')!.args);
    expect(entry).toEqual(['node', 'bin/gauntlet.js']);
    const app = workdir(runtime);
    expect(runtimeHas(runtime, posix.join(app, entry[1]))).toBe(true);
    const target = /require\('([^']+)'\)/.exec(readFileSync(BIN, 'utf8'))![1];
    const inImage = posix.resolve(posix.dirname(posix.join(app, entry[1])), target);
    expect(inImage).toBe(posix.join(app, 'dist/src/cli/main.js'));
    expect(runtimeHas(runtime, inImage)).toBe(true);
    if (!DIST_SKIP) expect(existsSync(join(ROOT, relative(app, inImage)))).toBe(true);
  });

  test('files read at run time are in the image: package.json (packageRoot), bundled reference sets, the demo model and data', () => {
    const app = workdir(runtime);
    const needed = [
      'package.json',
      ...Object.values(BUNDLED_REFERENCES).map((p) => relative(ROOT, p)),
      'fixtures/models/cnn.onnx', 'fixtures/data/mnist-eval.npz',
      'node_modules/dejavu-fonts-ttf',
    ];
    for (const rel of needed) {
      expect(existsSync(join(ROOT, rel))).toBe(true);
      expect([rel, runtimeHas(runtime, posix.join(app, rel))]).toEqual([rel, true]);
    }
  });

  test('runs as a non-root user with GAUNTLET_HOME=/data as a volume owned by that user, and exposes GAUNTLET_PORT', () => {
    const user = runtime.instructions.filter((i) => i.op === 'USER').map((i) => i.args);
    expect(user).toHaveLength(1);
    expect(['root', '0']).not.toContain(user[0].split(':')[0]);
    const env = envOf(runtime);
    expect(env.GAUNTLET_HOME).toBe('/data');
    expect(runtime.instructions.filter((i) => i.op === 'VOLUME').flatMap((i) => execForm(i.args))).toEqual([env.GAUNTLET_HOME]);
    const chown = runtime.instructions.find((i) => i.op === 'RUN' && i.args.includes(`chown ${user[0]}`));
    expect(chown?.args).toContain(env.GAUNTLET_HOME);
    expect(runtime.instructions.filter((i) => i.op === 'EXPOSE').map((i) => i.args)).toEqual([env.GAUNTLET_PORT]);
  });

  (DIST_SKIP ? test.skip : test)(`the default CMD is a real command (serve) with real options${DIST_SKIP ? ` — skipped: ${DIST_SKIP}` : ''}`, () => {
    const cmd = execForm(runtime.instructions.find((i) => i.op === 'CMD')!.args);
    expect(cmd).toEqual(['serve', '--host', '0.0.0.0']);
    checkCommand(cmd, 'Dockerfile CMD');
  });

  (DIST_SKIP ? test.skip : test)(`HEALTHCHECK runs node (no curl in the slim image) and answers 0 for a running service, 1 otherwise${DIST_SKIP ? ` — skipped: ${DIST_SKIP}` : ''}`, async () => {
    const hc = runtime.instructions.find((i) => i.op === 'HEALTHCHECK')!.args;
    const probe = execForm(hc.slice(hc.indexOf('CMD') + 3).trim());
    expect(probe[0]).toBe('node');
    const home = mkdtempSync(join(tmpdir(), 'gauntlet-docker-hc-'));
    const { child, done } = startCli(['serve', '--port', '0'], { GAUNTLET_HOME: home, GAUNTLET_LOG_LEVEL: 'silent' });
    try {
      const port = await new Promise<number>((res, rej) => {
        let err = '';
        const t = setTimeout(() => rej(new Error(`serve did not start: ${err}`)), 30_000);
        child.stderr!.on('data', (d) => {
          err += String(d);
          const m = /serving on http:\/\/[^:]+:(\d+)/.exec(err);
          if (m) { clearTimeout(t); res(Number(m[1])); }
        });
      });
      const run = (p: number) => spawnSync(process.execPath, probe.slice(1), { env: { ...process.env, GAUNTLET_PORT: String(p) }, timeout: 20_000 }).status;
      expect(run(port)).toBe(0);
      const free = await new Promise<number>((res) => { const s = createServer().listen(0, '127.0.0.1', () => { const p = (s.address() as { port: number }).port; s.close(() => res(p)); }); });
      expect(run(free)).toBe(1);
    } finally {
      child.kill('SIGTERM');
      await done;
      rmSync(home, { recursive: true, force: true });
    }
  });
});

describe('docker/compose.yaml', () => {
  const s = compose.services;

  test('has api, worker and redis; api and worker run the image this Dockerfile builds', () => {
    expect(Object.keys(s).sort()).toEqual(['api', 'redis', 'worker']);
    expect(s.redis.image).toMatch(/^redis:7/);
    for (const name of ['api', 'worker']) {
      expect(s[name].image).toBe(s.api.image);
      const ctx = resolve(DOCKER, s[name].build.context);
      expect(ctx).toBe(ROOT);
      expect(resolve(ctx, s[name].build.dockerfile)).toBe(DOCKERFILE);
    }
    expect(s.worker.deploy.replicas).toBe(2);
    for (const svc of Object.values(s)) for (const dep of Object.keys(svc.depends_on ?? {})) expect(Object.keys(s)).toContain(dep);
  });

  test('api and workers share one declared named volume mounted at GAUNTLET_HOME', () => {
    const home = envOf(runtime).GAUNTLET_HOME;
    const declared = Object.keys(compose.volumes ?? {});
    const mounts = ['api', 'worker'].map((name) => {
      expect(s[name].environment?.GAUNTLET_HOME ?? home).toBe(home);
      const m = (s[name].volumes as string[]).map((v) => v.split(':')).find(([, target]) => target === home);
      expect(m).toBeDefined();
      expect(declared).toContain(m![0]);
      return m![0];
    });
    expect(mounts[0]).toBe(mounts[1]);
  });

  test('--queue of api and worker names the redis service on its port; the api publishes the exposed port', () => {
    for (const name of ['api', 'worker']) {
      const cmd = s[name].command as string[];
      const url = new URL(cmd[cmd.indexOf('--queue') + 1]);
      expect([name, url.protocol, url.hostname, url.port]).toEqual([name, 'redis:', 'redis', '6379']);
      expect(s[name].depends_on.redis.condition).toBe('service_healthy');
    }
    expect(s.api.command[0]).toBe('serve');
    expect(s.api.command.slice(s.api.command.indexOf('--host'), s.api.command.indexOf('--host') + 2)).toEqual(['--host', '0.0.0.0']);
    const exposed = runtime.instructions.find((i) => i.op === 'EXPOSE')!.args;
    expect((s.api.ports as string[]).map((p) => p.split(':').pop())).toContain(exposed);
    // The worker serves no HTTP: the image's /healthz check would mark it unhealthy.
    expect(s.worker.healthcheck).toEqual({ disable: true });
  });

  (DIST_SKIP ? test.skip : test)(`the api command is a real command with real options${DIST_SKIP ? ` — skipped: ${DIST_SKIP}` : ''}`, () => {
    checkCommand(s.api.command, 'compose api');
  });

  (DIST_SKIP || WORKER_SKIP ? test.skip : test)(`the worker command is a real command with real options${DIST_SKIP || WORKER_SKIP ? ` — skipped: ${DIST_SKIP ?? WORKER_SKIP}` : ''}`, () => {
    expect(s.worker.command[0]).toBe('worker');
    checkCommand(s.worker.command, 'compose worker');
  });
});

describe('docker/README.md', () => {
  (DIST_SKIP ? test.skip : test)(`its \`node bin/gauntlet.js …\` commands are real commands with real options${DIST_SKIP ? ` — skipped: ${DIST_SKIP}` : ''}`, () => {
    const cmds = readmeCommands();
    expect(cmds.map((c) => c.slice(0, 2).join(' '))).toContain('apikey create');
    for (const c of cmds) {
      if (c[0] === 'worker' && WORKER_SKIP) continue;
      checkCommand(c, `docker/README.md: ${c.join(' ')}`);
    }
  });

  test('says plainly that the image was not built here', () => {
    expect(readFileSync(join(DOCKER, 'README.md'), 'utf8')).toMatch(/not (been )?built/i);
  });
});
