import type { ModuleSetup } from "canto";
import httpFileShare from "./http_file_share.js";

export { DiskFileStore, type FileStore, FileStoreError, type StoredFile } from "./file-store.js";
export { createFileShare, type FileShareApi, type FileShareOptions } from "./http_file_share.js";

/** The file sharing modules, by name. */
export const uploadModules: Record<string, ModuleSetup> = {
  http_file_share: httpFileShare,
};
