// The redirect `location` template language: literal text with `${token}` placeholders, parsed once at load.

/**
 * Tokens a redirect `location` may contain. Values come from the incoming request:
 * - `${scheme}`: `http` or `https`, as the client connected to the listener.
 * - `${host}`: the Host header (or `:authority`) without its port, lower-cased.
 * - `${port}`: the port from the Host header, else the listener's port.
 * - `${authority}`: the Host header as received (host and optional port).
 * - `${path}`: the request path, without the query string, as received (still percent-encoded).
 * - `${query}`: the query string *with* its leading `?`, or empty when there is none,
 *   so `https://${host}${path}${query}` never leaves a dangling `?`.
 * - `${uri}`: the request target as received, i.e. `${path}${query}` (nginx `$request_uri`).
 *
 * A `$` not followed by `{` is literal. Write `$${` to produce a literal `${`.
 */
export const LOCATION_TOKENS = ['scheme', 'host', 'port', 'authority', 'path', 'query', 'uri'] as const;
export type LocationToken = (typeof LOCATION_TOKENS)[number];

/** One piece of a parsed location template. */
export type LocationPart = { kind: 'text'; text: string } | { kind: 'token'; token: LocationToken };

/**
 * Parses a redirect location template into parts, or returns an error message.
 * @example parseLocationTemplate('https://${host}${uri}')
 * // [{kind:'text',text:'https://'},{kind:'token',token:'host'},{kind:'token',token:'uri'}]
 */
export function parseLocationTemplate(template: string): LocationPart[] | string {
  const parts: LocationPart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    if (template.startsWith('$${', i)) {
      text += '${';
      i += 3;
      continue;
    }
    if (template.startsWith('${', i)) {
      const end = template.indexOf('}', i + 2);
      if (end < 0) return `unclosed "\${" at offset ${i} in ${JSON.stringify(template)}`;
      const name = template.slice(i + 2, end).trim();
      if (!(LOCATION_TOKENS as readonly string[]).includes(name)) {
        return `unknown token "\${${name}}" in ${JSON.stringify(template)} (known: ${LOCATION_TOKENS.map((t) => `\${${t}}`).join(', ')})`;
      }
      if (text !== '') parts.push({ kind: 'text', text });
      text = '';
      parts.push({ kind: 'token', token: name as LocationToken });
      i = end + 1;
      continue;
    }
    text += template[i];
    i++;
  }
  if (text !== '') parts.push({ kind: 'text', text });
  return parts;
}
