// Worker processes: the IPC transport and hub, request/reply over IPC, and the primary's supervisor.
export { ipcPortOf, type IpcEndpoint, type IpcPort } from './ipc-port.js';
export { IpcHub, IpcHubEndpoint, IpcTransport } from './ipc-transport.js';
export { RemoteError, RpcClient, serveRpc, type RpcHandlers } from './ipc-rpc.js';
export { isIpcMessage, type DrainOrder, type IpcMessage, type StartMessage, type StatusMessage } from './ipc-protocol.js';
export { WorkerSupervisor, WORKER_SLOT_ENV, type RestartBackoff, type WorkerSlot, type WorkerSupervisorOptions } from './worker-supervisor.js';
export { WorkerExited, WorkerRestarted } from './worker.messages.js';
export { WORKERS_CLUSTER, WorkersRelay, workerNodeName } from './workers-relay.js';
