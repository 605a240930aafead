import { disco, type Element } from "canto";
import { MucError } from "./errors.js";
import type { Refusal } from "./roles.js";

export const NS_ROOMCONFIG = "http://jabber.org/protocol/muc#roomconfig";

export type Whois = "moderators" | "anyone";
export type AllowPm = "anyone" | "participants" | "moderators" | "none";

/** A room's configuration (XEP-0045 §10.2, Prosody's room settings). */
export interface RoomConfig {
  name: string;
  description: string;
  language: string;
  persistent: boolean;
  public: boolean;
  membersOnly: boolean;
  moderated: boolean;
  /** Empty: no password. */
  password: string;
  whois: Whois;
  changeSubject: boolean;
  allowInvites: boolean;
  allowPm: AllowPm;
  /** 0: no limit beyond `muc_max_occupants`. */
  maxUsers: number;
  historyLength: number;
}

/** The service's limits and room defaults, read once from the options at load. */
export interface ServiceOptions {
  /** Prosody's `max_history_messages`: the most a room may keep. */
  maxHistory: number;
  /** `muc_max_occupants`: occupants per room, whatever the room's maxusers. */
  maxOccupants: number;
  maxNickLength: number;
  maxSubjectLength: number;
  locking: boolean;
  lockTimeout: number;
  restrictCreation: false | true | "local";
  /** `muc_tombstones`: a destroyed persistent room leaves a tombstone that keeps its name taken. */
  tombstones: boolean;
  /** `muc_tombstone_expiry`, seconds. */
  tombstoneExpiry: number;
  defaults: RoomConfig;
}

/** The configuration form's fields, as XEP-0045's FORM_TYPE names them. */
const F = {
  name: "muc#roomconfig_roomname",
  description: "muc#roomconfig_roomdesc",
  language: "muc#roomconfig_lang",
  persistent: "muc#roomconfig_persistentroom",
  public: "muc#roomconfig_publicroom",
  membersOnly: "muc#roomconfig_membersonly",
  moderated: "muc#roomconfig_moderatedroom",
  passwordProtected: "muc#roomconfig_passwordprotectedroom",
  password: "muc#roomconfig_roomsecret",
  whois: "muc#roomconfig_whois",
  changeSubject: "muc#roomconfig_changesubject",
  allowInvites: "muc#roomconfig_allowinvites",
  allowPm: "muc#roomconfig_allowpm",
  maxUsers: "muc#roomconfig_maxusers",
  historyLength: "muc#roomconfig_historylength",
} as const;

const MAXUSERS_CHOICES = ["10", "20", "30", "50", "100", "none"];

/** The owner's configuration form (§10.2), with the room's current values. */
export function configForm(config: RoomConfig, roomJid: string, options: ServiceOptions): Element {
  const fields: disco.FieldInput[] = [
    { var: F.name, type: "text-single", label: "Title", value: config.name },
    { var: F.description, type: "text-single", label: "Description", value: config.description },
    {
      var: F.language,
      type: "text-single",
      label: "Language tag for room (e.g. 'en', 'de', 'fr' etc.)",
      value: config.language,
    },
    {
      var: F.persistent,
      type: "boolean",
      label: "Persistent (room survives when its last occupant leaves)",
      value: config.persistent,
    },
    {
      var: F.public,
      type: "boolean",
      label: "Include room information in public lists",
      value: config.public,
    },
    { var: F.membersOnly, type: "boolean", label: "Only allow members to join", value: config.membersOnly },
    {
      var: F.moderated,
      type: "boolean",
      label: "Moderated (only occupants with voice may speak)",
      value: config.moderated,
    },
    { var: F.passwordProtected, type: "boolean", label: "Password protected", value: config.password !== "" },
    { var: F.password, type: "text-private", label: "Password", value: config.password },
    {
      var: F.whois,
      type: "list-single",
      label: "Who may see the real JIDs of occupants",
      value: config.whois,
      options: [
        { value: "moderators", label: "Moderators only" },
        { value: "anyone", label: "Anyone" },
      ],
    },
    {
      var: F.changeSubject,
      type: "boolean",
      label: "Allow anyone to set the room's subject",
      value: config.changeSubject,
    },
    {
      var: F.allowInvites,
      type: "boolean",
      label: "Allow members to invite new members",
      value: config.allowInvites,
    },
    {
      var: F.allowPm,
      type: "list-single",
      label: "Allow private messages from",
      value: config.allowPm,
      options: ["anyone", "participants", "moderators", "none"],
    },
    {
      var: F.maxUsers,
      type: "list-single",
      label: "Maximum number of occupants",
      value: config.maxUsers === 0 ? "none" : String(config.maxUsers),
      options: MAXUSERS_CHOICES.filter((c) => c === "none" || Number(c) <= options.maxOccupants),
    },
    {
      var: F.historyLength,
      type: "text-single",
      label: `Maximum number of history messages kept (at most ${options.maxHistory})`,
      value: String(config.historyLength),
    },
  ];
  return disco.buildForm({
    type: "form",
    formType: NS_ROOMCONFIG,
    title: `Configuration for ${roomJid}`,
    instructions: "Complete and submit this form to configure the room.",
    fields,
  });
}

/** A refused form: the error, for the owner's IQ. */
export class ConfigRefusal extends Error implements Refusal {
  readonly type = "modify" as const;
  readonly condition: string;
  readonly text: string;

  constructor(condition: string, text: string) {
    super(text);
    this.condition = condition;
    this.text = text;
  }
}

function bool(field: string, values: string[]): boolean {
  const value = values[0];
  if (value === "1" || value === "true") return true;
  if (value === "0" || value === "false") return false;
  throw new ConfigRefusal("not-acceptable", `${field} takes a boolean, not ${JSON.stringify(value ?? "")}`);
}

function integer(field: string, value: string | undefined, min: number, max: number, limit: string): number {
  const n = Number(value);
  if (value === undefined || value.trim() === "" || !Number.isInteger(n) || n < min) {
    throw new ConfigRefusal(
      "not-acceptable",
      `${field} takes a whole number of ${min} or more, not ${JSON.stringify(value ?? "")}`,
    );
  }
  if (n > max) throw new ConfigRefusal("not-acceptable", `${field} is at most ${max} here (${limit})`);
  return n;
}

/**
 * The configuration a submitted form asks for: fields left out keep their value, unknown fields
 * are ignored (other modules read them in `muc-config-submitted`). Throws `ConfigRefusal` for a
 * value out of range or of the wrong kind.
 */
export function applyForm(current: RoomConfig, form: disco.Form, options: ServiceOptions): RoomConfig {
  if (form.formType !== undefined && form.formType !== NS_ROOMCONFIG) {
    throw new ConfigRefusal("bad-request", `the form's FORM_TYPE must be ${NS_ROOMCONFIG}`);
  }
  const next: RoomConfig = { ...current };
  let passwordProtected: boolean | undefined;
  for (const field of form.fields) {
    const values = field.values;
    const first = values[0] ?? "";
    switch (field.var) {
      case F.name:
        next.name = first;
        break;
      case F.description:
        next.description = first;
        break;
      case F.language:
        next.language = first;
        break;
      case F.persistent:
        next.persistent = bool(field.var, values);
        break;
      case F.public:
        next.public = bool(field.var, values);
        break;
      case F.membersOnly:
        next.membersOnly = bool(field.var, values);
        break;
      case F.moderated:
        next.moderated = bool(field.var, values);
        break;
      case F.passwordProtected:
        passwordProtected = bool(field.var, values);
        break;
      case F.password:
        next.password = first;
        break;
      case F.changeSubject:
        next.changeSubject = bool(field.var, values);
        break;
      case F.allowInvites:
        next.allowInvites = bool(field.var, values);
        break;
      case F.whois:
        if (first !== "moderators" && first !== "anyone") {
          throw new ConfigRefusal(
            "not-acceptable",
            `${field.var} is moderators or anyone, not ${JSON.stringify(first)}`,
          );
        }
        next.whois = first;
        break;
      case F.allowPm:
        if (!["anyone", "participants", "moderators", "none"].includes(first)) {
          throw new ConfigRefusal(
            "not-acceptable",
            `${field.var} is anyone, participants, moderators or none`,
          );
        }
        next.allowPm = first as AllowPm;
        break;
      case F.maxUsers:
        next.maxUsers =
          first === "none" || first === "" || first === "0"
            ? 0
            : integer(field.var, first, 1, options.maxOccupants, "muc_max_occupants");
        break;
      case F.historyLength:
        next.historyLength = integer(field.var, first, 0, options.maxHistory, "max_history_messages");
        break;
    }
  }
  if (passwordProtected === false) next.password = "";
  else if (passwordProtected === true && next.password === "") {
    throw new ConfigRefusal("not-acceptable", `${F.passwordProtected} needs a ${F.password}`);
  }
  return next;
}

/** Reads the service options, throwing `MucError` `bad-option` naming the option for a bad value. */
export function readServiceOptions(get: (name: string) => unknown): ServiceOptions {
  const int = (name: string, fallback: number, min: number): number => {
    const value = get(name);
    if (value === undefined) return fallback;
    if (typeof value !== "number" || !Number.isInteger(value) || value < min) {
      throw new MucError(
        "bad-option",
        `muc: ${name} must be a whole number of ${min} or more, got ${JSON.stringify(value)}`,
      );
    }
    return value;
  };
  const flag = (name: string, fallback: boolean): boolean => {
    const value = get(name);
    if (value === undefined) return fallback;
    if (typeof value !== "boolean") {
      throw new MucError("bad-option", `muc: ${name} must be true or false, got ${JSON.stringify(value)}`);
    }
    return value;
  };
  const text = (name: string, fallback: string): string => {
    const value = get(name);
    if (value === undefined) return fallback;
    if (typeof value !== "string") throw new MucError("bad-option", `muc: ${name} must be a string`);
    return value;
  };
  const maxHistory = int("max_history_messages", 20, 0);
  const maxOccupants = int("muc_max_occupants", 1000, 1);
  const restrict = get("restrict_room_creation");
  if (
    restrict !== undefined &&
    restrict !== true &&
    restrict !== false &&
    restrict !== "local" &&
    restrict !== "admin"
  ) {
    throw new MucError(
      "bad-option",
      `muc: restrict_room_creation is true, false, "admin" or "local", got ${JSON.stringify(restrict)}`,
    );
  }
  const historyLength = int("muc_room_default_history_length", Math.min(20, maxHistory), 0);
  if (historyLength > maxHistory) {
    throw new MucError(
      "bad-option",
      `muc: muc_room_default_history_length (${historyLength}) exceeds max_history_messages (${maxHistory})`,
    );
  }
  const maxUsers = int("muc_room_default_max_occupants", 0, 0);
  if (maxUsers > maxOccupants) {
    throw new MucError(
      "bad-option",
      `muc: muc_room_default_max_occupants (${maxUsers}) exceeds muc_max_occupants (${maxOccupants})`,
    );
  }
  return {
    maxHistory,
    maxOccupants,
    maxNickLength: int("muc_max_nick_length", 23, 1),
    maxSubjectLength: int("muc_max_subject_length", 1024, 1),
    locking: flag("muc_room_locking", true),
    lockTimeout: int("muc_room_lock_timeout", 300, 1),
    tombstones: flag("muc_tombstones", true),
    tombstoneExpiry: int("muc_tombstone_expiry", 31 * 86400, 0),
    restrictCreation:
      restrict === "admin" ? true : ((restrict as false | true | "local" | undefined) ?? false),
    defaults: {
      name: "",
      description: "",
      language: text("muc_room_default_language", ""),
      persistent: flag("muc_room_default_persistent", false),
      public: flag("muc_room_default_public", true),
      membersOnly: flag("muc_room_default_members_only", false),
      moderated: flag("muc_room_default_moderated", false),
      password: "",
      whois: flag("muc_room_default_public_jids", false) ? "anyone" : "moderators",
      changeSubject: flag("muc_room_default_change_subject", false),
      allowInvites: flag("muc_room_default_allow_invites", false),
      allowPm: "anyone",
      maxUsers,
      historyLength,
    },
  };
}
