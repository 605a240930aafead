import {
  bare,
  disco,
  domainOf,
  type Element,
  errorReply,
  type Module,
  reply,
  StanzaError,
  type storage,
} from "canto";
import type { HttpApi } from "../http/http.js";
import type { HttpProvider } from "../http/routes.js";
import { sendFile } from "./download.js";
import { DiskFileStore, type FileStore } from "./file-store.js";
import { readShareOptions } from "./options.js";
import { checkRequest, NS_UPLOAD, newSlotId, parseRequest, slotElement } from "./slots.js";
import { handlePut } from "./upload.js";

/** What is kept per slot, in the `uploads` archive (key: the slot, `with`: the uploader). */
type StoredValue = storage.StoredValue;

interface SlotRecord {
  filename: string;
  size: number;
  type: string;
}

const DAY = 86400;
const SLOT_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** What the module exports: its store (for tests and tools) and the byte count it accounts. */
export interface FileShareApi {
  store: FileStore;
  /** Bytes of every slot on record (the global quota's figure). */
  usage(): number;
  /** Removes expired files now, as the daily task does; resolves to how many were removed. */
  expire(): Promise<number>;
}

/** Options for tests and embedders: another file store (an object store, say). */
export interface FileShareOptions {
  store?: FileStore;
}

/**
 * XEP-0363 HTTP File Upload on a component (Prosody's mod_http_file_share): slots over IQ, uploads
 * and downloads over the `http` server, per-user and global quotas, daily expiry.
 */
export function createFileShare(setup: FileShareOptions = {}) {
  return async function httpFileShare(module: Module): Promise<FileShareApi> {
    const options = readShareOptions(module);
    const store = setup.store ?? new DiskFileStore(options.path);
    const clock = module.server.scheduler.clock;
    const uploads = await module.openStore("uploads", "archive");
    await module.depends("http");
    await module.depends("disco", true);

    let usage = 0;
    for await (const item of await uploads.find(undefined))
      usage += (item.value as unknown as SlotRecord).size;

    module.addIdentity("store", "file", module.getOptionString("name", "HTTP File Upload"));
    module.addFeature(NS_UPLOAD);
    module.addExtension(
      disco.buildForm({ formType: NS_UPLOAD, fields: [{ var: "max-file-size", value: options.sizeLimit }] }),
    );

    const baseUrl = (): string => {
      if (options.baseUrl !== undefined) return options.baseUrl;
      const api = module.server.global.modules.get("http")?.exports as HttpApi | undefined;
      const app = api?.apps().find((a) => a.host === module.host && a.providedBy === module.name);
      const path = app === undefined || app.path === "/" ? "" : app.path;
      const external = module.getOptionString("http_external_url");
      if (external !== undefined) return `${external.replace(/\/+$/, "")}${path}/`;
      const port = api?.listeners()[0]?.port ?? 5280;
      return `http://${app?.httpHost ?? module.host}:${port}${path}/`;
    };

    const allowed = (uploader: string): boolean => {
      if (options.access.size === 0) return module.server.host(domainOf(uploader)) !== undefined;
      return options.access.has(uploader) || options.access.has(domainOf(uploader));
    };

    const usedToday = async (uploader: string): Promise<number> => {
      let total = 0;
      const recent = await uploads.find(undefined, { with: uploader, start: clock.now() - DAY });
      for (const item of recent) total += (item.value as unknown as SlotRecord).size;
      return total;
    };

    module.hook(
      "iq-get/host/urn:xmpp:http:upload:0:request",
      async (event: { stanza: Element; origin: { send(s: Element): unknown } }) => {
        const { stanza, origin } = event;
        const uploader = bare(String(stanza.attrs.from ?? "")) ?? "";
        const request = parseRequest(stanza.getChild("request", NS_UPLOAD)!);
        try {
          const may = allowed(uploader);
          const size = checkRequest(options, request, {
            allowed: may,
            // A stranger's history is not read: the access check refuses first.
            today: may ? await usedToday(uploader) : 0,
            total: usage,
          });
          const now = clock.now();
          const slot = newSlotId();
          const record: SlotRecord = { filename: request.filename!, size, type: request.type };
          await uploads.append(undefined, slot, record as unknown as StoredValue, now, uploader);
          usage += size;
          const claims = {
            sub: uploader,
            slot,
            filename: record.filename,
            filesize: size,
            filetype: record.type,
            iat: Math.floor(now),
            exp: Math.floor(now) + options.uploadWindow,
          };
          module.log(
            "debug",
            "granted %s a slot %s for %s (%d bytes)",
            uploader,
            slot,
            record.filename,
            size,
          );
          origin.send(
            reply(stanza)
              .cnode(slotElement(baseUrl(), options.secret, claims))
              .root(),
          );
        } catch (error) {
          if (!(error instanceof StanzaError)) throw error;
          module.log("debug", "refused %s a slot: %s", uploader, error.text ?? error.condition);
          origin.send(errorReply(stanza, error));
        }
        return true;
      },
    );

    const expire = async (): Promise<number> => {
      if (options.expiresAfter === Number.POSITIVE_INFINITY) return 0;
      const cutoff = clock.now() - options.expiresAfter;
      const old = await uploads.find(undefined, { end: cutoff });
      let removed = 0;
      for (const item of old) {
        try {
          if (await store.delete(item.key)) removed++;
        } catch (error) {
          module.log("warn", "could not remove the file of slot %s: %s", item.key, error);
          continue;
        }
        await uploads.delete(undefined, { key: item.key });
        usage -= (item.value as unknown as SlotRecord).size;
      }
      if (removed > 0) module.log("info", "removed %d expired files", removed);
      return removed;
    };
    module.daily("Remove expired files", async () => {
      await expire();
    });

    const findSlot = async (path: string | undefined) => {
      const slot = path?.split("/")[0] ?? "";
      if (!SLOT_ID.test(slot)) return undefined;
      const item = await uploads.get(undefined, slot);
      return item === undefined ? undefined : { slot, item, record: item.value as unknown as SlotRecord };
    };

    module.provides<HttpProvider>("http", {
      streaming_uploads: true,
      route: {
        "PUT /*": (request, response, { path }) =>
          handlePut(request, response, path, {
            secret: options.secret,
            now: () => clock.now(),
            store,
            slotExists: async (slot) => (await uploads.get(undefined, slot)) !== undefined,
            log: (level, fmt, ...args) => module.log(level, fmt, ...args),
          }),
        "GET /*": async (request, response, { path }) => {
          const found = await findSlot(path);
          if (found === undefined) return 404;
          if (clock.now() - found.item.when > options.expiresAfter) return 410;
          const stored = await store.stat(found.slot);
          if (stored === undefined) return 404;
          await sendFile(
            request,
            response,
            {
              slot: found.slot,
              filename: found.record.filename,
              type: found.record.type,
              size: stored.size,
              modified: stored.modified,
              open: (range) => store.read(found.slot, range),
            },
            options.safeTypes,
          );
          return undefined;
        },
      },
    });

    return { store, usage: () => usage, expire };
  };
}

export default createFileShare();
