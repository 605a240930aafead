import { Element } from "ltx";
import { DiscoError } from "./errors.js";
import { NS_DATA_FORMS } from "./namespaces.js";

/** XEP-0004 form types (the `type` attribute of `<x/>`). */
export type FormType = "form" | "submit" | "cancel" | "result";

/** XEP-0004 field types. */
export type FieldType =
  | "boolean"
  | "fixed"
  | "hidden"
  | "jid-multi"
  | "jid-single"
  | "list-multi"
  | "list-single"
  | "text-multi"
  | "text-private"
  | "text-single";

const FORM_TYPES: ReadonlySet<string> = new Set(["form", "submit", "cancel", "result"]);
const FIELD_TYPES: ReadonlySet<string> = new Set([
  "boolean",
  "fixed",
  "hidden",
  "jid-multi",
  "jid-single",
  "list-multi",
  "list-single",
  "text-multi",
  "text-private",
  "text-single",
]);
const MULTI_TYPES: ReadonlySet<string> = new Set(["jid-multi", "list-multi", "text-multi"]);

/** One `<option/>` of a list field. */
export interface FormOption {
  label?: string;
  value: string;
}

/** A field as read by {@link parseForm}: values are always a list of strings. */
export interface FormField {
  var?: string;
  type?: FieldType;
  label?: string;
  desc?: string;
  required: boolean;
  values: string[];
  options: FormOption[];
}

/** A form as read by {@link parseForm}. The hidden `FORM_TYPE` field is lifted into `formType`. */
export interface Form {
  type: FormType;
  formType?: string;
  title?: string;
  instructions: string[];
  fields: FormField[];
}

/** A field to build. `value` may be a string, a boolean, a number or a list of strings. */
export interface FieldInput {
  var?: string;
  type?: FieldType;
  label?: string;
  desc?: string;
  required?: boolean;
  value?: string | boolean | number | readonly string[];
  options?: readonly (FormOption | string)[];
}

/** A form to build. `type` defaults to `"result"`, what XEP-0128 extensions use. */
export interface FormInput {
  type?: FormType;
  /** Emitted first, as `<field var="FORM_TYPE" type="hidden">`. */
  formType?: string;
  title?: string;
  instructions?: string | readonly string[];
  fields?: readonly FieldInput[];
}

function bad(message: string): never {
  throw new DiscoError("bad-form", message);
}

function fieldValues(field: FieldInput): string[] {
  const { value, type } = field;
  if (value === undefined) return [];
  if (typeof value === "boolean") return [value ? "1" : "0"];
  if (typeof value === "number") return [String(value)];
  if (typeof value === "string") {
    // XEP-0004: each line of a text-multi value is its own <value/>.
    return type === "text-multi" ? value.split(/\r?\n/) : [value];
  }
  return [...value];
}

/** Builds an XEP-0004 `<x xmlns="jabber:x:data"/>` element. Throws `DiscoError` `bad-form`. */
export function buildForm(input: FormInput): Element {
  const type = input.type ?? "result";
  if (!FORM_TYPES.has(type)) bad(`unknown form type ${JSON.stringify(type)}`);
  const x = new Element("x", { xmlns: NS_DATA_FORMS, type });
  if (input.title !== undefined) x.c("title").t(input.title);
  const instructions =
    input.instructions === undefined
      ? []
      : typeof input.instructions === "string"
        ? [input.instructions]
        : input.instructions;
  for (const line of instructions) x.c("instructions").t(line);
  const seen = new Set<string>();
  if (input.formType !== undefined) {
    x.c("field", { var: "FORM_TYPE", type: "hidden" }).c("value").t(input.formType);
    seen.add("FORM_TYPE");
  }
  for (const field of input.fields ?? []) {
    if (field.type !== undefined && !FIELD_TYPES.has(field.type)) {
      bad(`unknown field type ${JSON.stringify(field.type)}`);
    }
    if (field.var === undefined) {
      if (field.type !== "fixed") bad("only fixed fields may omit var");
    } else {
      if (seen.has(field.var)) bad(`duplicate field ${JSON.stringify(field.var)}`);
      seen.add(field.var);
    }
    const values = fieldValues(field);
    if (values.length > 1 && field.type !== undefined && !MULTI_TYPES.has(field.type)) {
      bad(`field ${JSON.stringify(field.var)} of type ${field.type} takes one value`);
    }
    const el = x.c("field", { var: field.var, type: field.type, label: field.label });
    if (field.desc !== undefined) el.c("desc").t(field.desc);
    if (field.required) el.c("required");
    for (const value of values) el.c("value").t(value);
    for (const option of field.options ?? []) {
      const { label, value } = typeof option === "string" ? { label: undefined, value: option } : option;
      el.c("option", { label }).c("value").t(value);
    }
  }
  return x;
}

/** Is `el` an XEP-0004 data form? */
export function isForm(el: Element): boolean {
  return el.name === "x" && el.attrs.xmlns === NS_DATA_FORMS;
}

/**
 * The `FORM_TYPE` of a form element: the value of its hidden `FORM_TYPE` field. A `FORM_TYPE` field
 * that is not hidden is no context indicator (XEP-0068), so it gives `undefined`.
 */
export function formTypeOf(form: Element): string | undefined {
  for (const field of form.getChildren("field")) {
    if (field.attrs.var === "FORM_TYPE") {
      if (field.attrs.type !== "hidden") return undefined;
      return field.getChild("value")?.getText();
    }
  }
  return undefined;
}

function optionalAttr(el: Element, name: string): string | undefined {
  const v: unknown = el.attrs[name];
  return typeof v === "string" ? v : undefined;
}

/** Reads an XEP-0004 form element. Throws `DiscoError` `bad-form` on a malformed one. */
export function parseForm(el: Element): Form {
  if (!isForm(el)) bad(`not a data form: <${el.name} xmlns="${el.attrs.xmlns ?? ""}">`);
  const type = optionalAttr(el, "type");
  if (type === undefined || !FORM_TYPES.has(type)) bad(`bad form type ${JSON.stringify(type)}`);
  const form: Form = { type: type as FormType, instructions: [], fields: [] };
  const title = el.getChild("title");
  if (title) form.title = title.getText();
  for (const line of el.getChildren("instructions")) form.instructions.push(line.getText());
  for (const fieldEl of el.getChildren("field")) {
    const fieldType = optionalAttr(fieldEl, "type");
    if (fieldType !== undefined && !FIELD_TYPES.has(fieldType)) {
      bad(`unknown field type ${JSON.stringify(fieldType)}`);
    }
    const field: FormField = {
      required: fieldEl.getChild("required") !== undefined,
      values: fieldEl.getChildren("value").map((v) => v.getText()),
      options: fieldEl.getChildren("option").map((o) => {
        const option: FormOption = { value: o.getChildText("value") ?? "" };
        const label = optionalAttr(o, "label");
        if (label !== undefined) option.label = label;
        return option;
      }),
    };
    const name = optionalAttr(fieldEl, "var");
    if (name !== undefined) field.var = name;
    if (fieldType !== undefined) field.type = fieldType as FieldType;
    const label = optionalAttr(fieldEl, "label");
    if (label !== undefined) field.label = label;
    const desc = fieldEl.getChild("desc");
    if (desc) field.desc = desc.getText();
    if (name === "FORM_TYPE" && fieldType === "hidden" && form.formType === undefined) {
      form.formType = field.values[0] ?? "";
      continue;
    }
    form.fields.push(field);
  }
  return form;
}

/** The values of field `name` in a parsed form, or `undefined` when the form has no such field. */
export function getFieldValues(form: Form, name: string): string[] | undefined {
  return form.fields.find((f) => f.var === name)?.values;
}
