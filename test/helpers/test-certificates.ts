// Self-signed certificates made at test time with the openssl CLI, never committed.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface TestCertificate {
  dir: string;
  certPath: string;
  keyPath: string;
  cert: Buffer;
  key: Buffer;
  remove(): void;
}

/** A one-day self-signed certificate for `commonName`, with SANs for it and the loopback addresses. */
export function makeCertificate(commonName = 'localhost', extraNames: readonly string[] = []): TestCertificate {
  const dir = mkdtempSync(path.join(tmpdir(), 'switchyard-cert-'));
  const certPath = path.join(dir, 'cert.pem');
  const keyPath = path.join(dir, 'key.pem');
  const sans = [`DNS:${commonName}`, ...extraNames.map((n) => `DNS:${n}`), 'IP:127.0.0.1', 'IP:::1'].join(',');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1', '-subj', `/CN=${commonName}`, '-addext', `subjectAltName=${sans}`, '-keyout', keyPath, '-out', certPath],
    { stdio: 'pipe' },
  );
  return { dir, certPath, keyPath, cert: readFileSync(certPath), key: readFileSync(keyPath), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
