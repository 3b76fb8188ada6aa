// Runs the Transport contract suite against the IPC transport: a pair of transports whose frames cross a real child process's hub, and the primary's own hub endpoints.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describeTransportContract } from '@switchyard/core/testkit';
import { IpcHub, IpcTransport } from '../../src/workers/ipc-transport.js';
import { ipcPortOf } from '../../src/workers/ipc-port.js';

const HUB_HOST = fileURLToPath(new URL('./fixtures/hub-host.js', import.meta.url));

/** Forks the hub host with the serialization workers use, and waits until its hub routes. */
async function startHubHost(): Promise<ChildProcess> {
  const child = fork(HUB_HOST, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  await new Promise<void>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`hub host exited with ${code}`)));
    child.on('message', (m) => {
      if ((m as { sy?: unknown }).sy === 'hub-ready') resolve();
    });
  });
  return child;
}

async function stopHubHost(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.disconnect();
  await exited;
}

describe('IpcTransport through a hub in a child process', () => {
  let child: ChildProcess;
  before(async () => {
    child = await startHubHost();
  });
  after(() => stopHubHost(child));

  describeTransportContract('IpcTransport (child-process hub)', async () => {
    const a = new IpcTransport(ipcPortOf(child));
    const b = new IpcTransport(ipcPortOf(child));
    return {
      a,
      b,
      close: async () => {
        await a.close();
        await b.close();
      },
    };
  });
});

describeTransportContract('IpcHubEndpoint (the primary\'s own endpoints)', async () => {
  const hub = new IpcHub();
  const a = hub.connect();
  const b = hub.connect();
  return {
    a,
    b,
    close: async () => {
      await a.close();
      await b.close();
    },
  };
});
