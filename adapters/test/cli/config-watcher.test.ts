import assert from 'node:assert/strict';
import { renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileFingerprint, watchConfigFile, type ConfigWatcher } from '../../src/cli/config-watcher.js';
import { delay, tempDir, waitFor } from '../helpers.js';

describe('watchConfigFile', () => {
  let tmp: ReturnType<typeof tempDir>;
  let watcher: ConfigWatcher | undefined;
  let file: string;
  let changes: number;
  beforeEach(() => {
    tmp = tempDir();
    file = path.join(tmp.dir, 'switchyard.yaml');
    writeFileSync(file, 'a: 1\n');
    changes = 0;
    watcher = watchConfigFile(file, () => changes++, { debounceMs: 40 });
  });
  afterEach(() => {
    watcher?.close();
    tmp.remove();
  });

  it('sees an in-place write', async () => {
    writeFileSync(file, 'a: 2\n');
    await waitFor(() => changes === 1, 2000, 'a change');
  });

  it("sees an editor's save by rename over the file, and the next one too", async () => {
    const temp = path.join(tmp.dir, '.switchyard.yaml.swp');
    writeFileSync(temp, 'a: 2\n');
    renameSync(temp, file);
    await waitFor(() => changes === 1, 2000, 'the first save');
    writeFileSync(temp, 'a: 3\n');
    renameSync(temp, file);
    await waitFor(() => changes === 2, 2000, 'the second save');
  });

  it('debounces a burst of writes into one change', async () => {
    for (let i = 0; i < 5; i++) {
      writeFileSync(file, `a: ${i + 10}\n`);
      await delay(5);
    }
    await waitFor(() => changes === 1, 2000, 'a change');
    await delay(150);
    assert.equal(changes, 1);
  });

  it('ignores other files in the directory', async () => {
    writeFileSync(path.join(tmp.dir, 'other.yaml'), 'x');
    writeFileSync(path.join(tmp.dir, '.switchyard.ts.1234abcd.tmp.mjs'), 'export default {}');
    await delay(200);
    assert.equal(changes, 0);
  });

  it('stops after close', async () => {
    watcher?.close();
    writeFileSync(file, 'a: 3\n');
    await delay(200);
    assert.equal(changes, 0);
  });

  it('sees a change made between loading the file and starting to watch', async () => {
    watcher?.close();
    const loadedFingerprint = fileFingerprint(file);
    writeFileSync(file, 'a: 99\n');
    watcher = watchConfigFile(file, () => changes++, { debounceMs: 40, ...(loadedFingerprint === undefined ? {} : { loadedFingerprint }) });
    await waitFor(() => changes === 1, 2000, 'the change made before watching');
  });
});
