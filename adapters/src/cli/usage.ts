// Help texts of the switchyard CLI: one overview and one text per command.

export const COMMANDS = ['run', 'validate', 'demo', 'schema', 'events', 'status', 'drain', 'cluster', 'config'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const MAIN_USAGE = `Usage: switchyard <command> [options]

Commands:
  run        Run the proxy from a config file (reload with SIGHUP or --watch)
  validate   Check a config file and list every problem
  demo       Run a demo: two local origins behind the proxy, no config file needed
  schema     Print the JSON Schema of the config file (for editors)
  events     Follow a running proxy's live events, one line each (filters: --type, --route, --status...)
  status     Show a running proxy's upstreams and targets with their health
  drain      Take a target out of rotation on a running proxy (--undo puts it back)
  cluster    cluster status: the cluster's members, link, config version and probe owners
  config     config push FILE: roll a config out to every node of the cluster, or to none

Options:
  -h, --help     Show help (also: switchyard help <command>, switchyard <command> --help)
  -v, --version  Show the version

Exit status: 0 ok, 1 failure (e.g. an invalid config), 2 wrong command line.`;

export const COMMAND_USAGE: Record<CommandName, string> = {
  run: `Usage: switchyard run [--config FILE] [--watch] [options]

Runs the proxy until SIGTERM or SIGINT, then stops accepting connections and lets
requests in flight finish (up to --grace).

Options:
  -c, --config FILE     Config file: .yaml, .yml, .json, .mjs, .js or .ts
                        (default: the first of ./switchyard.yaml, .yml, .json, .mjs, .ts)
  -w, --watch           Reload when the config file changes
      --grace DURATION  How long in-flight requests may take to finish at shutdown
                        (default: server.shutdownTimeout of the config, 10s unless set)
      --log-level LEVEL Override log.level of the config: trace, debug, info, warn, error, fatal, silent
      --node-name NAME  Name of this node in logs and events (and its member id in a cluster)
      --workers N|auto  Worker processes sharing the listeners (default: workers of the config, 1);
                        auto: one per CPU. The primary reloads, drains and restarts crashed workers,
                        and in a cluster it is the node's one member, relaying for its workers
  -h, --help            Show this help

Signals:
  SIGHUP            Reload the config file. An invalid file is reported and the last good config kept.
  SIGUSR1           Reopen the access log file (after logrotate moved it)
  SIGTERM, SIGINT   Shut down gracefully and exit 0 (a second one exits at once): /readyz answers 503,
                    listeners stop accepting, idle keep-alive connections are closed, requests in
                    flight finish (up to --grace), then the process exits

Application logs are JSON lines on stderr; the access log goes to server.accessLog.path, or stdout.`,

  validate: `Usage: switchyard validate [--config FILE]

Loads and validates a config file. Prints "ok: N listeners, M routes, K upstreams" and exits 0,
or prints every problem as "file:line:column: path: reason" on stderr and exits 1.

Options:
  -c, --config FILE  Config file (default: as for run)
  -h, --help         Show this help`,

  demo: `Usage: switchyard demo [--port PORT] [--origin-ports A,B]

Starts two small origins answering "Hello world!" and "Howdy world!" (header x-origin: hello / howdy)
and the proxy in front of them, balancing round-robin. Runs until SIGINT or SIGTERM.

Options:
      --port PORT          Proxy port (default 8080; 0 picks a free one)
      --origin-ports A,B   Origin ports (default 8081,8082; 0 picks free ones)
      --grace DURATION     How long in-flight requests may take to finish at shutdown (default 2s)
  -h, --help               Show this help`,

  schema: `Usage: switchyard schema [--output FILE]

Prints the JSON Schema (draft 2020-12) of the config file. Point your editor at it, e.g. first line
of switchyard.yaml:  # yaml-language-server: $schema=./switchyard.schema.json

Options:
  -o, --output FILE  Write to FILE instead of stdout
  -h, --help         Show this help`,

  events: `Usage: switchyard events [--admin URL] [filters] [--json] [--count N]

Follows the live event stream of a running proxy (its admin API's /events) and prints one line per
event until Ctrl-C. Filters are ANDed; a comma list inside one is ORed.

Filters:
  -t, --type TYPES       Event types, exact or prefix: request.completed, "request.*,conn.*", "*"
      --listener NAME    Events of connections on this listener
      --route NAME       Requests matched to this route
      --upstream NAME    Requests sent to this upstream (and its targets' health events)
      --target HOST:PORT Requests sent to this target (and its health events)
      --status LIST      Response status: 503, 5xx, "4xx,5xx"
      --client CIDR      Client address: 10.0.0.0/8, 192.0.2.7
      --sample RATIO     Keep this share of requests (0..1), all steps of a kept request

Options:
      --admin URL        Admin API of the running proxy (default: $SWITCHYARD_ADMIN_URL, else http://127.0.0.1:9901)
      --token TOKEN      Admin token, when admin.token is set (default: $SWITCHYARD_ADMIN_TOKEN)
      --json             Print each event as the JSON the stream sends
      --cluster          Every node's events, not just this node's (each line names its node)
  -n, --count N          Stop after N events
  -h, --help             Show this help

Example: switchyard events --type request.completed --status 5xx`,

  status: `Usage: switchyard status [--admin URL] [--json]

Shows a running proxy's node (version, config version, readiness) and every upstream's targets:
weight, state (active, draining) and health with its reason.

Options:
      --admin URL        Admin API of the running proxy (default: $SWITCHYARD_ADMIN_URL, else http://127.0.0.1:9901)
      --token TOKEN      Admin token, when admin.token is set (default: $SWITCHYARD_ADMIN_TOKEN)
      --json             Print the node and upstreams as JSON
  -h, --help             Show this help`,

  drain: `Usage: switchyard drain TARGET [--upstream NAME] [--undo] [--admin URL]

Takes TARGET (host:port as written in the config, or upstream/host:port) out of rotation on a
running proxy: no new requests go to it, requests in flight finish. Without --upstream, it is
drained in every upstream that lists it.

Options:
  -u, --upstream NAME    Only in this upstream
      --undo             Put the target back in rotation
      --admin URL        Admin API of the running proxy (default: $SWITCHYARD_ADMIN_URL, else http://127.0.0.1:9901)
      --token TOKEN      Admin token, when admin.token is set (default: $SWITCHYARD_ADMIN_TOKEN)
  -h, --help             Show this help`,

  cluster: `Usage: switchyard cluster status [--admin URL] [--json]

Shows the cluster as one node sees it: the live members (when each was last heard from, and the
worker processes each runs), the NATS link, the cluster config version, frames rejected (bad
schema, old protocol version), and which node probes each health-checked target.

Options:
      --admin URL        Admin API of any node (default: $SWITCHYARD_ADMIN_URL, else http://127.0.0.1:9901)
      --token TOKEN      Admin token, when admin.token is set (default: $SWITCHYARD_ADMIN_TOKEN)
      --json             Print the status as JSON
  -h, --help             Show this help`,

  config: `Usage: switchyard config push FILE [--admin URL] [--json]

Rolls FILE (YAML, JSON or a config module, as written) out to the whole cluster through one node:
every live node validates it with its own checks and votes; only when all accept is it applied,
on every node. A config any node refuses is applied nowhere, and each node's reasons are printed.
Exit status 0 when every node applied it, 1 otherwise.

Options:
      --admin URL        Admin API of any node (default: $SWITCHYARD_ADMIN_URL, else http://127.0.0.1:9901)
      --token TOKEN      Admin token, when admin.token is set (default: $SWITCHYARD_ADMIN_TOKEN)
      --json             Print the rollout result as JSON
  -h, --help             Show this help`,
};

export function isCommandName(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}
