// @switchyard/adapters: the edges to outside systems (NATS, WebSocket event stream, admin API, CLI, files).
// Each adapter implements a core port; the first ones arrive with the HTTP proxy and cluster issues.
export {};
