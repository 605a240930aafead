import { disco, type Element, StanzaError, type storage } from "canto";
import { NS_MAM, NS_RSM, parseTimestamp } from "./util.js";

/** What a client asked for in `<query xmlns="urn:xmpp:mam:2"/>`, ready for the archive store. */
export interface MamQuery {
  queryId: string | undefined;
  /** Filters and the paging anchor, in the archive store's terms (`limit` is the page size). */
  find: storage.ArchiveQuery;
  /** Page size the client gets (the store is asked for one more, to learn if the page is the last). */
  max: number;
  /** Paging backwards (RSM `<before/>`): the store is read newest first. */
  reverse: boolean;
  /** `<flip-page/>`: the page is sent in the opposite order. */
  flip: boolean;
  /** RSM `<before/>` was empty: the last page, whose index is known from the count. */
  lastPage: boolean;
}

const FIELDS: ReadonlySet<string> = new Set(["with", "start", "end", "before-id", "after-id", "ids"]);

const badRequest = (text: string) => new StanzaError({ type: "modify", condition: "bad-request", text });

/** The search form a client gets from `iq-get` on the query element (XEP-0313 §5.1.1). */
export function queryForm(): Element {
  return disco.buildForm({
    type: "form",
    formType: NS_MAM,
    fields: [
      { var: "with", type: "jid-single" },
      { var: "start", type: "text-single" },
      { var: "end", type: "text-single" },
      { var: "before-id", type: "text-single" },
      { var: "after-id", type: "text-single" },
      { var: "ids", type: "list-multi" },
    ],
  });
}

function single(form: disco.Form, name: string): string | undefined {
  const values = disco.getFieldValues(form, name);
  if (values === undefined || values.length === 0) return undefined;
  if (values.length > 1) throw badRequest(`field ${name} takes one value, got ${values.length}`);
  const value = values[0]!.trim();
  return value === "" ? undefined : value;
}

function time(form: disco.Form, name: string): number | undefined {
  const text = single(form, name);
  if (text === undefined) return undefined;
  const seconds = parseTimestamp(text);
  if (seconds === undefined) throw badRequest(`field ${name} is not an XEP-0082 date-time: ${text}`);
  return seconds;
}

function readForm(x: Element, bare: (jid: string) => string): storage.ArchiveQuery {
  let form: disco.Form;
  try {
    form = disco.parseForm(x);
  } catch (error) {
    throw badRequest(`bad data form: ${(error as Error).message}`);
  }
  if (form.formType !== undefined && form.formType !== NS_MAM) {
    throw badRequest(`FORM_TYPE must be ${NS_MAM}, got ${form.formType}`);
  }
  for (const field of form.fields) {
    if (field.var !== undefined && !FIELDS.has(field.var)) throw badRequest(`unknown field ${field.var}`);
  }
  const query: storage.ArchiveQuery = {};
  const withJid = single(form, "with");
  // Stored `with` is the bare JID, so a full JID filter is widened to its account, as Prosody does.
  if (withJid !== undefined) query.with = bare(withJid);
  const start = time(form, "start");
  const end = time(form, "end");
  if (start !== undefined && end !== undefined && start > end) {
    throw badRequest("start is after end");
  }
  if (start !== undefined) query.start = start;
  if (end !== undefined) query.end = end;
  const before = single(form, "before-id");
  const after = single(form, "after-id");
  if (before !== undefined) query.before = before;
  if (after !== undefined) query.after = after;
  const ids = disco
    .getFieldValues(form, "ids")
    ?.map((id) => id.trim())
    .filter((id) => id !== "");
  if (ids !== undefined && ids.length > 0) query.ids = ids;
  return query;
}

function readMax(set: Element | undefined, defaultMax: number, maxMax: number): number {
  const text = set?.getChildText("max")?.trim();
  if (text === undefined) return Math.min(defaultMax, maxMax);
  if (!/^\d+$/.test(text)) throw badRequest(`RSM max must be a non-negative integer, got ${text}`);
  return Math.min(Number(text), maxMax);
}

/**
 * Reads a MAM query: the form's filters, RSM paging (`<before/>` pages backwards, `<after/>`
 * forwards; an anchor in RSM replaces `before-id`/`after-id` of the form) and `<flip-page/>`.
 * Throws a `bad-request` StanzaError naming what is wrong.
 */
export function parseQuery(
  query: Element,
  options: { defaultMax: number; maxMax: number; bare: (jid: string) => string },
): MamQuery {
  const x = query.getChild("x", "jabber:x:data");
  const find = x === undefined ? {} : readForm(x, options.bare);
  const set = query.getChild("set", NS_RSM);
  if (set?.getChild("index") !== undefined) {
    // Jumping to a position would need a count per page; clients page by ids instead.
    throw new StanzaError({
      type: "cancel",
      condition: "feature-not-implemented",
      text: "RSM <index/> is not supported; page with <before/> and <after/>",
    });
  }
  const max = readMax(set, options.defaultMax, options.maxMax);
  const beforeEl = set?.getChild("before");
  const before = beforeEl?.getText().trim();
  const after = set?.getChildText("after")?.trim();
  if (before) find.before = before;
  if (after) find.after = after;
  const reverse = beforeEl !== undefined;
  const queryId = query.attrs.queryid as string | undefined;
  return {
    queryId,
    find,
    max,
    reverse,
    flip: query.getChild("flip-page") !== undefined,
    lastPage: reverse && !before && find.before === undefined,
  };
}
