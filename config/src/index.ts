// Public API of @switchyard/config: the schema and its types, loaders, errors, JSON Schema, diff.
export * from './schema.js';
export { ConfigError, ConfigErrorCode, formatProblem, type ConfigProblem } from './errors.js';
export { loadConfig, validateConfig, deepFreeze, type ValidationResult, type LocatedProblem } from './load.js';
export { loadConfigFile, readConfigInput, CONFIG_FILE_EXTENSIONS } from './load-file.js';
export { configJsonSchema, configJsonSchemaText, writeConfigJsonSchema } from './json-schema.js';
export { diffConfig, type ConfigDiff, type NamedDiff } from './diff.js';
export { defineConfig, routeAction, forwardTargets, type RouteAction } from './define.js';
export { LOCATION_TOKENS, parseLocationTemplate, type LocationPart, type LocationToken } from './location-template.js';
export {
  Duration,
  Size,
  ListenAddress,
  TargetAddress,
  Cidr,
  Name,
  HostPattern,
  parseDuration,
  parseSize,
  parseAddress,
  parseCidr,
  type Address,
} from './values.js';
export { embeddedDefaultConfig } from './embedded-default.js';
