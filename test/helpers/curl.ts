// Runs the real curl against a URL and parses what it printed (`-i`: head and body).
import { execFile } from 'node:child_process';
import { parseRawResponse, type RawResponse } from './raw-client.js';

/**
 * `curl -s -i --max-time 5 [...extraArgs] url`, parsed as one response. curl must be installed
 * (scripts/ensure-test-deps.sh); a missing curl fails the test, it is never skipped.
 */
export function curl(url: string, extraArgs: readonly string[] = []): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    execFile('curl', ['-s', '-i', '--max-time', '5', ...extraArgs, url], { encoding: 'buffer', timeout: 10_000 }, (error, stdout, stderr) => {
      if (error !== null) return reject(new Error(`curl ${url} failed: ${error.message}\n${stderr.toString()}`));
      const parsed = parseRawResponse(stdout, 0, true);
      if (parsed === 'incomplete' || 'error' in parsed) return reject(new Error(`curl printed no parsable response:\n${stdout.toString('latin1')}`));
      resolve(parsed.response);
    });
  });
}
