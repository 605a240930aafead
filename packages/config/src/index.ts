export { type CheckOptions, check, checkFile } from "./check.js";
export { Config, type ConfigOptions, type HostInfo } from "./config.js";
export {
  type CantoConfig,
  type ComponentOptions,
  defineConfig,
  type KnownOptions,
  type Options,
} from "./define-config.js";
export { type ConfigChanges, diffConfig, type HostChanges } from "./diff.js";
export {
  type PeriodParse,
  parseDurationLaxProsody,
  parseDurationProsody,
  parsePeriod,
} from "./duration.js";
export {
  ConfigDefaultError,
  ConfigError,
  type ConfigErrorDetails,
  ConfigFileError,
  ConfigIncludeError,
  ConfigParseError,
  ConfigUnsupportedError,
  ConfigValueError,
  type SourceLocation,
} from "./errors.js";
export {
  type ConfigLogger,
  type ConfigPaths,
  luaToNumber,
  OptionReader,
  type OptionReaderOptions,
  type OptionSource,
} from "./getters.js";
export {
  CONFIG_FILE_NAMES,
  createConfig,
  findConfigFile,
  type LoadConfigOptions,
  loadConfig,
  readConfigData,
} from "./load.js";
export { type LuaLoadOptions, loadLuaConfig, parseLuaConfig } from "./lua/evaluate.js";
export { dataFromObject } from "./object-source.js";
export { globToRegExp, joinPath, resolveRelativePath } from "./paths.js";
export {
  type ConfigData,
  type ConfigProblem,
  GLOBAL,
  type HostType,
  type OptionEntry,
  type OptionScalar,
  type OptionValue,
  type ProblemSeverity,
  type Section,
} from "./types.js";
