// One-request correctness checks run against a target before it is measured.
import http from 'node:http';

const PROBE_TIMEOUT_MS = 5000;

export interface ProbeResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** A single GET to 127.0.0.1:`port` on a fresh connection. */
export function get(port: number, path: string, headers: Record<string, string> = {}): Promise<ProbeResponse> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port, path, headers, agent: false, timeout: PROBE_TIMEOUT_MS }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`GET ${path} on ${port}: no response in ${PROBE_TIMEOUT_MS} ms`)));
    req.on('error', reject);
  });
}

/** One expectation about a target; a failed check carries what was seen instead. */
export interface Check {
  name: string;
  run(port: number): Promise<string | undefined>;
}

/** Runs every check and returns the failures, as readable lines (empty when all pass). */
export async function runChecks(port: number, checks: readonly Check[]): Promise<string[]> {
  const failures: string[] = [];
  for (const check of checks) {
    try {
      const problem = await check.run(port);
      if (problem !== undefined) failures.push(`${check.name}: ${problem}`);
    } catch (err) {
      failures.push(`${check.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failures;
}
