import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ALLOWED, checkFile, checkRepo, sourcesOf, type PackageName } from './dependency-rules.js';
import { repoRoot } from '../helpers/repo-root.js';

describe('dependency direction', () => {
  it('holds across the repository: adapters → actors → core, config → core, no I/O in core', () => {
    const violations = checkRepo(repoRoot);
    assert.deepEqual(violations, [], violations.map((v) => `${v.file}: ${v.specifier} (${v.rule})`).join('\n'));
    assert.ok(sourcesOf(repoRoot, 'core').length > 10, 'the check actually read core');
  });

  it('declares in each package.json only the workspace dependencies the rules allow', () => {
    for (const pkg of Object.keys(ALLOWED) as PackageName[]) {
      const manifest = JSON.parse(readFileSync(path.join(repoRoot, pkg, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
      const ours = Object.keys(manifest.dependencies ?? {})
        .filter((d) => d.startsWith('@switchyard/'))
        .map((d) => d.slice('@switchyard/'.length));
      for (const dep of ours) assert.ok(ALLOWED[pkg].includes(dep as PackageName), `${pkg} depends on @switchyard/${dep}`);
    }
  });

  describe('the checker', () => {
    const cases: { pkg: PackageName; source: string; rule: RegExp | undefined }[] = [
      { pkg: 'core', source: "import net from 'node:net';", rule: /no I\/O/ },
      { pkg: 'core', source: "import { connect } from 'nats';", rule: /no I\/O/ },
      { pkg: 'core', source: "export { pack } from 'msgpackr';", rule: /no I\/O/ },
      { pkg: 'core', source: "const ws = await import('ws');", rule: /no I\/O/ },
      { pkg: 'core', source: "import { Config } from '@switchyard/config';", rule: /core may import only/ },
      { pkg: 'actors', source: "import { x } from '@switchyard/adapters';", rule: /actors may import only/ },
      { pkg: 'config', source: "import type { x } from '@switchyard/actors';", rule: /config may import only/ },
      { pkg: 'actors', source: "import { Bus } from '../../../core/src/bus/bus.js';", rule: /by name/ },
      { pkg: 'actors', source: "import net from 'node:net'; import { Bus } from '@switchyard/core';", rule: undefined },
      { pkg: 'adapters', source: "import { connect } from 'nats'; import { a } from '@switchyard/actors';", rule: undefined },
      { pkg: 'core', source: "// import net from 'node:net'\nimport { Subject } from 'rxjs';", rule: undefined },
    ];
    for (const { pkg, source, rule } of cases) {
      it(`${rule ? 'flags' : 'allows'} in ${pkg}: ${source.replace(/\n/g, ' ')}`, () => {
        const violations = checkFile(pkg, `${pkg}/src/x/file.ts`, source);
        if (rule === undefined) assert.deepEqual(violations, []);
        else assert.ok(violations.some((v) => rule.test(v.rule)), JSON.stringify(violations));
      });
    }
  });
});
