import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/errors.js';
import { loadConfigFile } from '../src/load-file.js';
import { EXAMPLE_YAML } from './helpers.js';

// Temp dirs live inside the package (not os.tmpdir()) so config modules can import '@switchyard/config'.
const here = path.dirname(fileURLToPath(import.meta.url));

async function rejection(promise: Promise<unknown>): Promise<ConfigError> {
  try {
    await promise;
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    return err;
  }
  assert.fail('expected a ConfigError');
}

const MINIMAL = {
  listeners: [{ name: 'web', address: '127.0.0.1:8080' }],
  routes: [{ name: 'all', forward: { upstream: 'app' } }],
  upstreams: [{ name: 'app', targets: [{ address: '127.0.0.1:3000' }] }],
};

describe('loadConfigFile', () => {
  let dir = '';
  beforeEach(async () => {
    dir = await mkdtemp(path.join(here, 'tmp-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function write(name: string, text: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, text);
    return file;
  }

  describe('YAML', () => {
    it('loads the contract example (.yaml) normalized and frozen', async () => {
      const cfg = await loadConfigFile(await write('switchyard.yaml', EXAMPLE_YAML));
      assert.deepEqual(cfg.routes.map((r) => r.name), ['oauth', 'default']);
      assert.equal(cfg.upstreams[1]?.targets[1]?.weight, 2);
      assert.equal(cfg.listeners[0]?.address.port, 8080);
      assert.ok(Object.isFrozen(cfg.routes[0]?.match));
    });

    it('loads .yml and supports anchors and merge keys', async () => {
      const file = await write(
        'c.yml',
        `listeners: [{ name: web, address: ":8080" }]
routes: [{ name: all, forward: { upstream: a } }]
upstreams:
  - &base { name: a, timeouts: { connect: 2s }, targets: [{ address: "a:1" }] }
  - { <<: *base, name: b }
`,
      );
      const cfg = await loadConfigFile(file);
      assert.deepEqual(cfg.upstreams.map((u) => [u.name, u.timeouts.connect]), [
        ['a', 2000],
        ['b', 2000],
      ]);
    });

    it('reports a YAML syntax error with line and column', async () => {
      const file = await write('bad.yaml', 'listeners:\n  - name: web\n   address: 127.0.0.1:8080\n');
      const err = await rejection(loadConfigFile(file));
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.equal(err.file, file);
      const p = err.problems[0];
      assert.match(p?.message ?? '', /^YAML syntax error: /);
      assert.equal(p?.line, 3);
      assert.equal(typeof p?.column, 'number');
      assert.match(err.message, new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\n\\(root\\): YAML syntax error: .*\\(line 3, column \\d+\\)`));
    });

    it('reports duplicate keys as syntax errors', async () => {
      const err = await rejection(loadConfigFile(await write('dup.yaml', 'workers: 1\nworkers: 2\nlisteners: []\n')));
      assert.equal(err.problems[0]?.line, 2);
      assert.match(err.problems[0]?.message ?? '', /unique|duplicate/i);
    });

    it('locates validation problems in the file', async () => {
      const file = await write('loc.yaml', EXAMPLE_YAML.replace('forward: { upstream: backend }', 'forward: { upstream: backnd }'));
      const err = await rejection(loadConfigFile(file));
      assert.deepEqual(err.problems, [
        { path: 'routes.0.forward.upstream', message: 'unknown upstream "backnd" (known: backend, frontend)', line: 10, column: 26 },
      ]);
      assert.match(err.message, /routes\.0\.forward\.upstream: unknown upstream "backnd" \(known: backend, frontend\) \(line 10, column 26\)/);
    });

    it('reports an empty file', async () => {
      const err = await rejection(loadConfigFile(await write('empty.yaml', '# nothing\n')));
      assert.deepEqual(err.problems, [{ path: '', message: 'config is empty' }]);
    });
  });

  describe('JSON', () => {
    it('loads a .json file', async () => {
      const cfg = await loadConfigFile(await write('c.json', JSON.stringify(MINIMAL, null, 2)));
      assert.equal(cfg.upstreams[0]?.targets[0]?.address.port, 3000);
    });

    it('reports a JSON syntax error with its position', async () => {
      const err = await rejection(loadConfigFile(await write('bad.json', '{\n  "listeners": [\n    { "name": "web", }\n  ]\n}\n')));
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.match(err.problems[0]?.message ?? '', /^JSON syntax error: /);
      assert.equal(err.problems[0]?.line, 3);
      assert.equal(typeof err.problems[0]?.column, 'number');
    });

    it('reports a truncated JSON file at its end', async () => {
      const err = await rejection(loadConfigFile(await write('cut.json', '{\n "listeners": [')));
      assert.equal(err.problems[0]?.line, 2);
    });

    it('locates validation problems in the file', async () => {
      const text = JSON.stringify({ ...MINIMAL, workers: 'many' }, null, 2);
      const err = await rejection(loadConfigFile(await write('v.json', text)));
      assert.equal(err.problems[0]?.path, 'workers');
      const lines = text.split('\n');
      const line = lines.findIndex((l) => l.includes('"workers"')) + 1;
      assert.equal(err.problems[0]?.line, line);
      assert.equal(err.problems[0]?.column, (lines[line - 1] ?? '').indexOf('"many"') + 1);
    });
  });

  describe('JavaScript modules', () => {
    it('loads the default export of a .mjs file that imports @switchyard/config', async () => {
      const file = await write(
        'c.mjs',
        `import { defineConfig } from '@switchyard/config';\nexport default defineConfig(${JSON.stringify(MINIMAL)});\n`,
      );
      const cfg = await loadConfigFile(file);
      assert.equal(cfg.routes[0]?.name, 'all');
    });

    it('loads a .js file exporting an async function, and sees edits on reload', async () => {
      const file = await write('c.js', `export default async () => (${JSON.stringify(MINIMAL)});\n`);
      assert.equal((await loadConfigFile(file)).workers, 1);
      await writeFile(file, `export default async () => ({ ...${JSON.stringify(MINIMAL)}, workers: 3 });\n`);
      assert.equal((await loadConfigFile(file)).workers, 3);
    });

    it('reports a syntax error as ERR_CONFIG_INVALID', async () => {
      const err = await rejection(loadConfigFile(await write('bad.mjs', 'export default { listeners: [ ;\n')));
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.match(err.problems[0]?.message ?? '', /^syntax error: /);
    });

    it('reports a module that throws as ERR_CONFIG_LOAD_FAILED', async () => {
      const err = await rejection(loadConfigFile(await write('throws.mjs', 'throw new Error("boom");\n')));
      assert.equal(err.code, 'ERR_CONFIG_LOAD_FAILED');
      assert.match(err.problems[0]?.message ?? '', /failed to load: boom/);
      assert.ok(err.cause instanceof Error);
    });

    it('reports a missing default export', async () => {
      const err = await rejection(loadConfigFile(await write('nodefault.mjs', 'export const config = {};\n')));
      assert.match(err.problems[0]?.message ?? '', /no default export/);
    });
  });

  describe('TypeScript modules', () => {
    it('transpiles a .ts config with types and imports, then removes the temporary file', async () => {
      const file = await write(
        'switchyard.config.ts',
        `import { defineConfig, type ConfigInput } from '@switchyard/config';
interface Ports { web: number }
const ports: Ports = { web: 8080 };
const upstreams: ConfigInput['upstreams'] = [{ name: 'app', targets: [{ address: '127.0.0.1:3000' }] }];
export default defineConfig({
  listeners: [{ name: 'web', address: \`127.0.0.1:\${ports.web}\` }],
  routes: [{ name: 'all', forward: { upstream: 'app' } }],
  upstreams,
});
`,
      );
      const cfg = await loadConfigFile(file);
      assert.equal(cfg.listeners[0]?.address.port, 8080);
      assert.deepEqual(await readdir(dir), ['switchyard.config.ts']);
    });

    it('loads .mts too', async () => {
      const cfg = await loadConfigFile(await write('c.mts', `const c: unknown = ${JSON.stringify(MINIMAL)};\nexport default c;\n`));
      assert.equal(cfg.listeners[0]?.name, 'web');
    });

    it('reports a TypeScript syntax error with line and column, and writes no file', async () => {
      const err = await rejection(loadConfigFile(await write('bad.ts', 'const a = 1;\nexport default { listeners: [ ;\n')));
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.match(err.problems[0]?.message ?? '', /^TypeScript syntax error: /);
      assert.equal(err.problems[0]?.line, 2);
      assert.deepEqual(await readdir(dir), ['bad.ts']);
    });

    it('validates what the module exports', async () => {
      const err = await rejection(loadConfigFile(await write('invalid.ts', `export default { ...${JSON.stringify(MINIMAL)}, workers: 0 };\n`)));
      assert.equal(err.code, 'ERR_CONFIG_INVALID');
      assert.equal(err.problems[0]?.path, 'workers');
      assert.deepEqual(await readdir(dir), ['invalid.ts']);
    });
  });

  describe('load failures', () => {
    it('a missing file is ERR_CONFIG_LOAD_FAILED naming the file', async () => {
      const file = path.join(dir, 'missing.yaml');
      const err = await rejection(loadConfigFile(file));
      assert.equal(err.code, 'ERR_CONFIG_LOAD_FAILED');
      assert.equal(err.file, file);
      assert.equal(err.problems[0]?.message, `cannot read config file "${file}": file not found`);
      assert.ok(err.message.includes(file));
    });

    it('a missing module file is ERR_CONFIG_LOAD_FAILED too', async () => {
      const err = await rejection(loadConfigFile(path.join(dir, 'missing.ts')));
      assert.equal(err.code, 'ERR_CONFIG_LOAD_FAILED');
      assert.match(err.message, /file not found/);
    });

    it('an unsupported extension is ERR_CONFIG_LOAD_FAILED', async () => {
      const err = await rejection(loadConfigFile(await write('c.toml', 'x = 1')));
      assert.equal(err.code, 'ERR_CONFIG_LOAD_FAILED');
      assert.match(err.problems[0]?.message ?? '', /unsupported config file extension ".toml"/);
    });

    it('a directory is ERR_CONFIG_LOAD_FAILED', async () => {
      const sub = path.join(dir, 'conf.d.yaml');
      await mkdir(sub);
      const err = await rejection(loadConfigFile(sub));
      assert.equal(err.code, 'ERR_CONFIG_LOAD_FAILED');
      assert.match(err.problems[0]?.message ?? '', /is not a regular file/);
    });
  });
});
