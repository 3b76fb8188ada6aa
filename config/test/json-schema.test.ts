import assert from 'node:assert/strict';
import { parse as parseYaml } from 'yaml';
import { configJsonSchema, configJsonSchemaText } from '../src/json-schema.js';
import { embeddedDefaultConfig } from '../src/embedded-default.js';
import { EXAMPLE_YAML } from './helpers.js';

type Json = Record<string, unknown>;

/**
 * A light structural JSON Schema check: types, required keys, additionalProperties: false,
 * enums, items and anyOf. Enough to show the schema describes what users write.
 */
function conforms(schema: Json, value: unknown, path = ''): string[] {
  if (Array.isArray(schema.anyOf)) {
    const results = (schema.anyOf as Json[]).map((s) => conforms(s, value, path));
    return results.some((r) => r.length === 0) ? [] : [`${path}: matches no anyOf branch`];
  }
  if (Array.isArray(schema.enum) && !schema.enum.includes(value)) return [`${path}: ${JSON.stringify(value)} not in enum`];
  if (schema.const !== undefined && schema.const !== value) return [`${path}: not const`];
  if (typeof schema.pattern === 'string' && typeof value === 'string' && !new RegExp(schema.pattern).test(value)) return [`${path}: pattern`];
  switch (schema.type) {
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) return [`${path}: not an object`];
      const props = (schema.properties ?? {}) as Record<string, Json>;
      const errors = ((schema.required ?? []) as string[]).filter((k) => !(k in value)).map((k) => `${path}.${k}: required`);
      for (const [k, v] of Object.entries(value)) {
        const sub = props[k] ?? (typeof schema.additionalProperties === 'object' ? (schema.additionalProperties as Json) : undefined);
        if (sub === undefined) {
          if (schema.additionalProperties === false) errors.push(`${path}.${k}: additional property`);
        } else errors.push(...conforms(sub, v, `${path}.${k}`));
      }
      return errors;
    }
    case 'array':
      if (!Array.isArray(value)) return [`${path}: not an array`];
      return value.flatMap((v, i) => conforms((schema.items ?? {}) as Json, v, `${path}.${i}`));
    case 'string':
      return typeof value === 'string' ? [] : [`${path}: not a string`];
    case 'number':
      return typeof value === 'number' ? [] : [`${path}: not a number`];
    case 'integer':
      return Number.isInteger(value) ? [] : [`${path}: not an integer`];
    case 'boolean':
      return typeof value === 'boolean' ? [] : [`${path}: not a boolean`];
    default:
      return [];
  }
}

describe('configJsonSchema', () => {
  const schema = configJsonSchema();
  const props = schema.properties as Record<string, Json>;

  it('describes the top-level sections', () => {
    assert.equal(schema.type, 'object');
    assert.equal(schema.additionalProperties, false);
    for (const key of ['listeners', 'routes', 'upstreams', 'server', 'log', 'admin', 'cluster', 'workers']) assert.ok(key in props, key);
    assert.deepEqual(schema.required, ['listeners']);
    assert.match(String(schema.$schema), /2020-12/);
  });

  it('shows input-side defaults as users write them', () => {
    const upstream = (props.upstreams?.items as Json).properties as Record<string, Json>;
    const timeouts = upstream.timeouts?.properties as Record<string, Json>;
    assert.equal(timeouts.connect?.default, '5s');
    assert.equal(upstream.balance?.default, 'round-robin');
  });

  it('validates the contract example and the demo config', () => {
    assert.deepEqual(conforms(schema, parseYaml(EXAMPLE_YAML)), []);
    assert.deepEqual(conforms(schema, embeddedDefaultConfig), []);
  });

  it('catches a typo and a wrong type', () => {
    const bad = { listeners: [{ name: 'web', adress: ':80' }], workers: 'many' };
    const errors = conforms(schema, bad);
    assert.ok(errors.includes('.listeners.0.adress: additional property'), errors.join('\n'));
    assert.ok(errors.includes('.listeners.0.address: required'), errors.join('\n'));
    assert.ok(errors.includes('.workers: matches no anyOf branch'), errors.join('\n'));
  });

  it('is exported as pretty JSON text', () => {
    const text = configJsonSchemaText();
    assert.ok(text.endsWith('}\n'));
    assert.deepEqual(JSON.parse(text), schema);
  });
});
