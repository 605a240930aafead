import { randomBytes } from "node:crypto";
import { join } from "node:path";
import type { Module } from "canto";

/** `http_file_share_*` options, with Prosody 0.12's defaults. */
export interface ShareOptions {
  /** Largest file in bytes (`http_file_share_size_limit`, 10 MiB). */
  sizeLimit: number;
  /** Allowed `content-type`s, `image/*` style wildcards included; empty: any. */
  allowedTypes: Set<string>;
  /** Types served `inline`; others are `attachment` downloads. */
  safeTypes: Set<string>;
  /** Seconds a file is kept (`http_file_share_expires_after`, a week); `Infinity`: forever. */
  expiresAfter: number;
  /** Bytes one user may upload per day (ten times the size limit). */
  dailyQuota: number;
  /** Bytes all files may take together; `Infinity` by default. */
  globalQuota: number;
  /** Key of the upload tokens; a random one per start unless configured. */
  secret: string;
  /** JIDs and hosts allowed to upload; empty: users of this server's hosts. */
  access: Set<string>;
  /** Prefix of the slot URLs, ending in `/`; undefined: derived from the HTTP server. */
  baseUrl: string | undefined;
  /** Where the files go (`http_file_share_path`). */
  path: string;
  /** Seconds a PUT URL stays valid after the slot was granted. */
  uploadWindow: number;
}

/** Prosody's datamanager encoding of a host in paths: `upload.localhost` → `upload%2elocalhost`. */
export function encodePathPart(part: string): string {
  return part.replace(/[^a-zA-Z0-9]/g, (c) =>
    [...Buffer.from(c)].map((b) => `%${b.toString(16).padStart(2, "0")}`).join(""),
  );
}

const strings = (set: Set<unknown>): Set<string> => new Set([...set].map(String));

export function readShareOptions(module: Module): ShareOptions {
  const sizeLimit = module.getOptionInteger("http_file_share_size_limit", 10 * 1024 * 1024, 0);
  const baseUrl = module.getOptionString("http_file_share_base_url");
  return {
    sizeLimit,
    allowedTypes: strings(module.getOptionSet("http_file_share_allowed_file_types", [])),
    safeTypes: strings(
      module.getOptionSet("http_file_share_safe_file_types", ["image/*", "video/*", "audio/*", "text/plain"]),
    ),
    expiresAfter: module.getOptionPeriod("http_file_share_expires_after", 7 * 86400, 0),
    dailyQuota: module.getOptionNumber("http_file_share_daily_quota", sizeLimit * 10, 0),
    globalQuota: module.getOptionNumber("http_file_share_global_quota", Number.POSITIVE_INFINITY, 0),
    secret: module.getOptionString("http_file_share_secret") ?? randomBytes(32).toString("base64url"),
    access: strings(module.getOptionSet("http_file_share_access", [])),
    baseUrl: baseUrl === undefined ? undefined : baseUrl.endsWith("/") ? baseUrl : `${baseUrl}/`,
    path:
      module.getOptionPath("http_file_share_path", undefined, "data") ??
      join(module.server.config.paths.data, encodePathPart(module.host), "http_file_share"),
    uploadWindow: 300,
  };
}

/** Whether `type` is in `set`, directly or through its `major/*` wildcard. */
export function typeMatches(set: Set<string>, type: string): boolean {
  return set.has(type) || set.has(type.replace(/\/.*/, "/*"));
}
