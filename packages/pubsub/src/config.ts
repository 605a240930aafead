import { buildForm, type FieldInput, type Form, parseForm } from "@canto/disco";
import { Element, NS } from "@canto/stanza";
import { PubsubError, type PubsubErrorCode } from "./errors.js";

export type AccessModel = "open" | "presence" | "roster" | "whitelist" | "authorize";
export type PublishModel = "publishers" | "subscribers" | "open";
export type SendLastPublishedItem = "never" | "on_sub" | "on_sub_and_presence";
export type NotificationType = "headline" | "normal";

export const ACCESS_MODELS: readonly AccessModel[] = ["open", "presence", "roster", "whitelist", "authorize"];
export const PUBLISH_MODELS: readonly PublishModel[] = ["publishers", "subscribers", "open"];
export const SEND_LAST: readonly SendLastPublishedItem[] = ["never", "on_sub", "on_sub_and_presence"];
export const NOTIFICATION_TYPES: readonly NotificationType[] = ["headline", "normal"];

/** A node's configuration (XEP-0060 §16.4.4 `pubsub#node_config`, the fields Canto honours). */
export interface NodeConfig {
  title: string;
  description: string;
  /** The type of payload, usually its namespace. */
  type: string;
  access_model: AccessModel;
  publish_model: PublishModel;
  /** `Infinity` is the form's `max`: as many as the service allows (`maxItems` limit). */
  max_items: number;
  persist_items: boolean;
  deliver_payloads: boolean;
  deliver_notifications: boolean;
  notify_retract: boolean;
  notify_delete: boolean;
  notify_config: boolean;
  send_last_published_item: SendLastPublishedItem;
  /** The `type` of notification messages. */
  notification_type: NotificationType;
  /** Groups of the owner's roster whose members may read a node with `access_model` `roster`. */
  roster_groups_allowed: string[];
}

/** The defaults of a new node, before a service's `nodeDefaults` apply. */
export const DEFAULT_NODE_CONFIG: Readonly<NodeConfig> = Object.freeze({
  title: "",
  description: "",
  type: "",
  access_model: "open",
  publish_model: "publishers",
  max_items: 20,
  persist_items: true,
  deliver_payloads: true,
  deliver_notifications: true,
  notify_retract: true,
  notify_delete: true,
  notify_config: false,
  send_last_published_item: "never",
  notification_type: "headline",
  roster_groups_allowed: [],
});

type Kind = "text" | "boolean" | "list" | "multi" | "max";

const FIELDS: Record<keyof NodeConfig, { kind: Kind; label: string; options?: readonly string[] }> = {
  title: { kind: "text", label: "A friendly name for the node" },
  description: { kind: "text", label: "A description of the node" },
  type: { kind: "text", label: "The type of node data, usually the namespace of the payload" },
  access_model: { kind: "list", label: "Who may subscribe and retrieve items", options: ACCESS_MODELS },
  publish_model: { kind: "list", label: "Who may publish items", options: PUBLISH_MODELS },
  max_items: { kind: "max", label: "Max number of items to persist" },
  persist_items: { kind: "boolean", label: "Persist items to storage" },
  deliver_payloads: { kind: "boolean", label: "Deliver payloads with event notifications" },
  deliver_notifications: { kind: "boolean", label: "Deliver event notifications" },
  notify_retract: { kind: "boolean", label: "Notify subscribers when items are removed" },
  notify_delete: { kind: "boolean", label: "Notify subscribers when the node is deleted" },
  notify_config: { kind: "boolean", label: "Notify subscribers when the configuration changes" },
  send_last_published_item: { kind: "list", label: "When to send the last item", options: SEND_LAST },
  notification_type: {
    kind: "list",
    label: "The type of notification messages",
    options: NOTIFICATION_TYPES,
  },
  roster_groups_allowed: { kind: "multi", label: "Roster groups allowed to subscribe" },
};

const PREFIX = "pubsub#";

function parseBoolean(value: string | undefined): boolean | undefined {
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  return undefined;
}

/** `max_items` as stored in JSON (`"max"` for Infinity) and back. */
export function encodeMaxItems(n: number): number | "max" {
  return n === Number.POSITIVE_INFINITY ? "max" : n;
}
export function decodeMaxItems(v: unknown): number {
  return v === "max" ? Number.POSITIVE_INFINITY : typeof v === "number" ? v : DEFAULT_NODE_CONFIG.max_items;
}

/**
 * Reads config fields (`pubsub#<name>`) out of a parsed form. `invalid` is the code thrown for a
 * value that is not one the field takes; unknown fields go to `unknown`.
 */
export function configFromForm(
  form: Form,
  invalid: PubsubErrorCode,
): { config: Partial<NodeConfig>; unknown: string[] } {
  const config: Partial<NodeConfig> = {};
  const unknown: string[] = [];
  const out = config as Record<string, unknown>;
  for (const field of form.fields) {
    const name = field.var;
    if (name === undefined) continue;
    const key = name.startsWith(PREFIX) ? name.slice(PREFIX.length) : undefined;
    const spec = key === undefined ? undefined : FIELDS[key as keyof NodeConfig];
    if (key === undefined || spec === undefined) {
      unknown.push(name);
      continue;
    }
    const value = field.values[0];
    const bad = (): never => {
      throw new PubsubError(invalid, `${name} does not take ${JSON.stringify(value ?? "")}`);
    };
    switch (spec.kind) {
      case "text":
        out[key] = field.values.join("\n");
        break;
      case "boolean":
        out[key] = parseBoolean(value) ?? bad();
        break;
      case "list":
        if (value === undefined || !spec.options!.includes(value)) bad();
        out[key] = value;
        break;
      case "multi":
        out[key] = [...field.values];
        break;
      case "max": {
        if (value === "max") {
          out[key] = Number.POSITIVE_INFINITY;
          break;
        }
        if (value === undefined || !/^\d{1,9}$/.test(value)) bad();
        out[key] = Number(value);
        break;
      }
    }
  }
  return { config, unknown };
}

/**
 * Reads a `pubsub#node_config` (or, with `formType`, another) submitted form element. A form that
 * is no data form or carries another FORM_TYPE throws `malformed`.
 */
export function readConfigForm(
  el: Element,
  formType: string,
  malformed: PubsubErrorCode,
  invalid: PubsubErrorCode,
): { config: Partial<NodeConfig>; unknown: string[] } {
  let form: Form;
  try {
    // Clients (and Prosody's own tests) send publish-options without `type`: read it as submitted.
    form = parseForm(el.attrs.type === undefined ? withType(el, "submit") : el);
  } catch (error) {
    throw new PubsubError(malformed, error instanceof Error ? error.message : String(error));
  }
  if (form.type !== "submit") throw new PubsubError(malformed, `expected a submit form, got ${form.type}`);
  if (form.formType !== undefined && form.formType !== formType) {
    throw new PubsubError(malformed, `expected FORM_TYPE ${formType}, got ${form.formType}`);
  }
  return configFromForm(form, invalid);
}

function withType(el: Element, type: string): Element {
  const copy = new Element(el.name, { ...el.attrs, type });
  copy.children = el.children;
  return copy;
}

/** The node configuration form (`type` `form` to fill in, `result` to report). */
export function buildConfigForm(config: NodeConfig, type: "form" | "result" = "form"): Element {
  const fields: FieldInput[] = [];
  for (const [key, spec] of Object.entries(FIELDS) as [
    keyof NodeConfig,
    (typeof FIELDS)[keyof NodeConfig],
  ][]) {
    const v = config[key];
    const field: FieldInput = { var: PREFIX + key, label: spec.label };
    switch (spec.kind) {
      case "text":
        field.type = "text-single";
        field.value = v as string;
        break;
      case "boolean":
        field.type = "boolean";
        field.value = v as boolean;
        break;
      case "list":
        field.type = "list-single";
        field.value = v as string;
        field.options = spec.options!;
        break;
      case "multi":
        field.type = "list-multi";
        field.value = v as string[];
        break;
      case "max":
        field.type = "text-single";
        field.value = String(encodeMaxItems(v as number));
        break;
    }
    fields.push(field);
  }
  return buildForm({ type, formType: NS.pubsub_node_config, fields });
}

/** Does `config` have every value `wanted` names? (publish-options preconditions.) */
export function meetsPreconditions(config: NodeConfig, wanted: Partial<NodeConfig>): string | undefined {
  for (const [key, value] of Object.entries(wanted) as [keyof NodeConfig, unknown][]) {
    const have = config[key];
    const same = Array.isArray(have)
      ? Array.isArray(value) && have.length === value.length && have.every((h, i) => h === value[i])
      : have === value;
    if (!same) return key;
  }
  return undefined;
}
