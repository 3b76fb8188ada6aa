// The built-in demo config used by the CLI's `demo` command: two local origins behind one listener.
import { defineConfig } from './define.js';
import type { ConfigInput } from './schema.js';

/**
 * Demo: an HTTP listener on 127.0.0.1:8080 balancing round-robin over two origins on
 * 127.0.0.1:8081 and 127.0.0.1:8082 (the `demo` command starts those origins itself).
 */
export const embeddedDefaultConfig: ConfigInput = defineConfig({
  listeners: [{ name: 'web', protocol: 'http', address: '127.0.0.1:8080' }],
  routes: [{ name: 'default', forward: { upstream: 'origins' } }],
  upstreams: [
    {
      name: 'origins',
      balance: 'round-robin',
      targets: [{ address: '127.0.0.1:8081' }, { address: '127.0.0.1:8082' }],
    },
  ],
});
