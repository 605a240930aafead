import type { OptionValue } from "./types.js";

/** Options with a known meaning and type; any other snake_case option is allowed too. */
export interface KnownOptions {
  admins?: readonly string[];
  modules_enabled?: readonly string[];
  modules_disabled?: readonly string[];
  plugin_paths?: readonly string[];
  authentication?: string;
  storage?: string | { readonly [store: string]: string };
  data_path?: string;
  pidfile?: string;
  allow_registration?: boolean;
  c2s_require_encryption?: boolean;
  s2s_require_encryption?: boolean;
  s2s_secure_auth?: boolean;
  enabled?: boolean;
  archive_expires_after?: string | number | false;
  c2s_ports?: readonly number[];
  s2s_ports?: readonly number[];
  http_ports?: readonly number[];
  https_ports?: readonly number[];
}

/** The options of one section: the known ones typed, any other option a plain config value. */
export type Options = KnownOptions & { readonly [option: string]: OptionValue | undefined };

/** A Component: its options plus the module that serves it; none means an external component (XEP-0114). */
export type ComponentOptions = Options & { readonly module?: string };

/** The shape of `canto.config.ts`: global options, VirtualHosts under `hosts`, `components`. */
export type CantoConfig = Options & {
  readonly hosts?: { readonly [host: string]: Options };
  readonly components?: { readonly [host: string]: ComponentOptions };
};

/** Identity function that types a `canto.config.ts` default export. */
export function defineConfig<const T extends CantoConfig>(config: T): T {
  return config;
}
