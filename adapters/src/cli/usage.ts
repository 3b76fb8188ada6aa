// Help texts of the switchyard CLI: one overview and one text per command.

export const COMMANDS = ['run', 'validate', 'demo', 'schema'] as const;
export type CommandName = (typeof COMMANDS)[number];

export const MAIN_USAGE = `Usage: switchyard <command> [options]

Commands:
  run        Run the proxy from a config file (reload with SIGHUP or --watch)
  validate   Check a config file and list every problem
  demo       Run a demo: two local origins behind the proxy, no config file needed
  schema     Print the JSON Schema of the config file (for editors)

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
      --grace DURATION  How long in-flight requests may take to finish at shutdown (default 10s)
      --log-level LEVEL Override log.level of the config: trace, debug, info, warn, error, fatal, silent
      --node-name NAME  Name of this node in logs and events
  -h, --help            Show this help

Signals:
  SIGHUP            Reload the config file. An invalid file is reported and the last good config kept.
  SIGUSR1           Reopen the access log file (after logrotate moved it)
  SIGTERM, SIGINT   Shut down gracefully and exit 0 (a second one exits at once)

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
};

export function isCommandName(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}
