// Which part of a request consistent hashing hashes (`hashKey`), compiled once per picker.
import { SwitchyardError } from '@switchyard/core';
import type { PickRequest } from './picker.js';

/** Where the key comes from: a const object and a type of the same name. */
export const HashKeySource = {
  SourceIp: 0,
  Host: 1,
  Path: 2,
  Uri: 3,
  Header: 4,
  Cookie: 5,
  Query: 6,
} as const;
export type HashKeySource = (typeof HashKeySource)[keyof typeof HashKeySource];

/** A compiled `hashKey`: the source, and for header/cookie/query the name (header names lower-cased). */
export interface HashKey {
  readonly source: HashKeySource;
  readonly name: string;
}

const NAMED: Readonly<Record<string, HashKeySource>> = {
  header: HashKeySource.Header,
  cookie: HashKeySource.Cookie,
  query: HashKeySource.Query,
};
const PLAIN: Readonly<Record<string, HashKeySource>> = {
  'source-ip': HashKeySource.SourceIp,
  host: HashKeySource.Host,
  path: HashKeySource.Path,
  uri: HashKeySource.Uri,
};

/**
 * Compiles a `hashKey` from the config (`source-ip`, `host`, `path`, `uri`, `header:<name>`,
 * `cookie:<name>`, `query:<name>`). The schema has already checked the syntax; anything else is
 * a programming error and throws at construction, never during a pick.
 */
export function parseHashKey(text: string): HashKey {
  const plain = PLAIN[text];
  if (plain !== undefined) return { source: plain, name: '' };
  const colon = text.indexOf(':');
  const named = colon > 0 ? NAMED[text.slice(0, colon)] : undefined;
  const name = text.slice(colon + 1);
  if (named === undefined || name === '') {
    const hint = 'use source-ip, host, path, uri, header:<name>, cookie:<name> or query:<name>';
    throw new SwitchyardError('ERR_CONFIG_INVALID', `invalid hashKey ${JSON.stringify(text)}: ${hint}`);
  }
  // PickRequest.header takes lower-case names; cookie and query names are case-sensitive.
  return { source: named, name: named === HashKeySource.Header ? name.toLowerCase() : name };
}

/** The key's value for `request`, or undefined when the request does not carry it. */
export function readHashKey(request: PickRequest, source: HashKeySource, name: string): string | undefined {
  switch (source) {
    case HashKeySource.SourceIp:
      return request.sourceIp;
    case HashKeySource.Host:
      return request.host;
    case HashKeySource.Path:
      return request.path;
    case HashKeySource.Uri:
      return request.uri;
    case HashKeySource.Header:
      return request.header(name);
    case HashKeySource.Cookie:
      return request.cookie(name);
    case HashKeySource.Query:
      return request.query(name);
  }
}
