import type { ArchiveCaps } from "../types.js";

/** What every archive here reports (Prosody's `caps`): all but a delete across users. */
export function archiveCaps(itemLimit: number | undefined): ArchiveCaps {
  return {
    total: true,
    quota: itemLimit,
    truncate: true,
    full_id_range: true,
    ids: true,
    wildcard_delete: false,
  };
}
