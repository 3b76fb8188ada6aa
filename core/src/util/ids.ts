// Cheap unique ids: a per-process random prefix plus a counter, no crypto call per id.

const PREFIX = Math.floor(Math.random() * 0xffffffff).toString(36);
let counter = 0;

/** A process-unique id, e.g. `k3j9x2-1f`. Not a secret: never use it for tokens. */
export function nextId(): string {
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PREFIX}-${counter.toString(36)}`;
}
