import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ErrorCatalogue } from '@switchyard/core';
import { HttpErrorDocs, ProxyProtocolErrorDocs } from '@switchyard/actors';
import { repoRoot } from '../helpers/repo-root.js';
import { sourcesOf, type PackageName } from './dependency-rules.js';

/** Codes of Node's own errors that our code compares against; they are not ours to document. */
const NODE_CODES = /^ERR_(PARSE_ARGS|STREAM|SOCKET|TLS|SSL|INVALID_ARG|OUT_OF_RANGE)/;

describe('error codes', () => {
  const catalogues = [ErrorCatalogue, HttpErrorDocs, ProxyProtocolErrorDocs] as Record<string, string>[];

  it('are each documented in exactly one catalogue, with a sentence', () => {
    const seen = new Set<string>();
    for (const catalogue of catalogues) {
      for (const [code, text] of Object.entries(catalogue)) {
        assert.ok(!seen.has(code), `${code} is documented twice`);
        seen.add(code);
        assert.match(code, /^ERR_[A-Z0-9]+_[A-Z0-9_]+$/, code);
        assert.ok(text.length > 10, `${code} needs a sentence`);
      }
    }
  });

  it('cover every code the sources use', () => {
    const documented = new Set(catalogues.flatMap((c) => Object.keys(c)));
    const missing: string[] = [];
    for (const pkg of ['core', 'config', 'actors', 'adapters'] as PackageName[]) {
      for (const file of sourcesOf(repoRoot, pkg).filter((f) => f.includes(`${path.sep}src${path.sep}`))) {
        for (const match of readFileSync(path.join(repoRoot, file), 'utf8').matchAll(/'(ERR_[A-Z0-9_]+)'/g)) {
          const code = match[1] as string;
          if (!documented.has(code) && !NODE_CODES.test(code)) missing.push(`${code} (${file})`);
        }
      }
    }
    assert.deepEqual(missing, []);
  });
});
