import { NS } from "@canto/stanza";

// Named exports of @canto/disco's API; the strings live once, in @canto/stanza's NS table.

/** XEP-0030 `disco#info` namespace. */
export const NS_DISCO_INFO = NS.disco_info;
/** XEP-0030 `disco#items` namespace. */
export const NS_DISCO_ITEMS = NS.disco_items;
/** XEP-0115 entity capabilities namespace. */
export const NS_CAPS = NS.caps;
/** XEP-0004 data forms namespace. */
export const NS_DATA_FORMS = NS.data_forms;
/** RFC 6120 stanza error conditions namespace. */
export const NS_STANZAS = NS.stanzas;
/** XEP-0157 contact addresses form type (`FORM_TYPE` of the serverinfo extension). */
export const NS_SERVERINFO = NS.serverinfo;
/** The caps node Prosody advertises; Canto keeps it by default so clients see one server. */
export const DEFAULT_CAPS_NODE = "http://prosody.im";
