// The head writers' latin1 text as bytes, so tests can parse what would go on the wire back.
import { writeRequestHeadText } from '../../src/http/request-head-writer.js';
import { writeResponseHeadText } from '../../src/http/response-head-writer.js';

const bytesOf = (text: string | null): Buffer | null => (text === null ? null : Buffer.from(text, 'latin1'));

export function writeRequestHead(...args: Parameters<typeof writeRequestHeadText>): Buffer | null {
  return bytesOf(writeRequestHeadText(...args));
}

export function writeResponseHead(...args: Parameters<typeof writeResponseHeadText>): Buffer | null {
  return bytesOf(writeResponseHeadText(...args));
}
