import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import type * as ast from "luaparse";
import {
  type ConfigError,
  ConfigFileError,
  ConfigIncludeError,
  ConfigUnsupportedError,
  ConfigValueError,
  type SourceLocation,
} from "../errors.js";
import { luaToNumber } from "../getters.js";
import { globToRegExp, resolveRelativePath } from "../paths.js";
import {
  type ConfigData,
  type ConfigProblem,
  emptyData,
  GLOBAL,
  newSection,
  type OptionValue,
  type Section,
} from "../types.js";
import { decodeLuaString, parseLua } from "./parse.js";
import { Builtin, isData, type LuaValue, luaNumberToString, luaType, Namespace, truthy } from "./values.js";

export interface LuaLoadOptions {
  /** The environment `ENV_*`, `Lua.os.getenv` and `Credential` read. Default: `process.env`. */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Record missing Include targets, unreadable `FileContents` and failed `Credential`s as problems
   * (the value becomes nil) instead of throwing. `check` loads this way.
   */
  tolerant?: boolean | undefined;
}

/** Names of Lua's standard library: a config file may not reach them except through `Lua.*`. */
const LUA_GLOBALS = new Set([
  "_G",
  "_ENV",
  "assert",
  "collectgarbage",
  "coroutine",
  "debug",
  "dofile",
  "error",
  "getmetatable",
  "io",
  "ipairs",
  "load",
  "loadfile",
  "loadstring",
  "math",
  "module",
  "next",
  "os",
  "package",
  "pairs",
  "pcall",
  "print",
  "rawequal",
  "rawget",
  "rawlen",
  "rawset",
  "require",
  "select",
  "setmetatable",
  "string",
  "table",
  "tonumber",
  "tostring",
  "type",
  "utf8",
  "xpcall",
]);

const REFUSED_STATEMENTS: Record<string, string> = {
  FunctionDeclaration: "function definitions",
  ForNumericStatement: "loops",
  ForGenericStatement: "loops",
  WhileStatement: "loops",
  RepeatStatement: "loops",
  IfStatement: "if statements",
  ReturnStatement: "return statements",
  DoStatement: "do ... end blocks",
  GotoStatement: "goto",
  LabelStatement: "labels",
  BreakStatement: "break",
};

interface Frame {
  readonly file: string;
  readonly dir: string;
  readonly locals: Map<string, LuaValue>;
  current: string;
  /** `section\0option` pairs set in this file, for duplicate warnings. */
  readonly assigned: Set<string>;
}

function lineOf(node: { loc?: { start: { line: number } } | undefined }): number {
  return node.loc?.start.line ?? 0;
}

/** Prosody nameprep's a host name; here: Unicode NFKC and lower case, with a few characters refused. */
function prepHost(name: string): string | undefined {
  const prepped = name.normalize("NFKC").toLowerCase();
  if (prepped === "" || /[\s@/"&'<>:]/.test(prepped)) return undefined;
  return prepped;
}

/** Reads a file the way Lua sees it: bytes as latin1 chars. */
function readLatin1(file: string): string {
  return readFileSync(file, "latin1");
}

class Evaluator {
  readonly data: ConfigData;
  readonly #env: Readonly<Record<string, string | undefined>>;
  readonly #tolerant: boolean;
  readonly #stack: string[] = [];
  readonly #builtins: ReadonlyMap<string, Builtin>;
  readonly #lua: Namespace;
  #frame!: Frame;

  constructor(data: ConfigData, options: LuaLoadOptions) {
    this.data = data;
    this.#env = options.env ?? process.env;
    this.#tolerant = options.tolerant ?? false;
    const virtualHost = new Builtin("VirtualHost", (args, line) => this.#virtualHost(args, line));
    const component = new Builtin("Component", (args, line) => this.#component(args, line));
    const include = new Builtin("Include", (args, line) => this.#include(args, line));
    this.#builtins = new Map([
      ["VirtualHost", virtualHost],
      ["Host", virtualHost],
      ["host", virtualHost],
      ["Component", component],
      ["component", component],
      ["Include", include],
      ["include", include],
      ["FileContents", new Builtin("FileContents", (args, line) => this.#fileContents(args, line, "all"))],
      ["FileLine", new Builtin("FileLine", (args, line) => this.#fileContents(args, line, "line"))],
      ["FileLines", new Builtin("FileLines", (args, line) => this.#fileContents(args, line, "lines"))],
      ["Credential", new Builtin("Credential", (args, line) => this.#credential(args, line))],
    ]);
    const getenv = new Builtin("Lua.os.getenv", (args, line) => {
      const name = this.#stringArg("Lua.os.getenv", args, line);
      return this.#env[name];
    });
    this.#lua = new Namespace(
      "Lua",
      new Map<string, LuaValue>([
        ["os", new Namespace("Lua.os", new Map([["getenv", getenv]]))],
        ["math", new Namespace("Lua.math", new Map([["huge", Number.POSITIVE_INFINITY]]))],
        [
          "tonumber",
          new Builtin("Lua.tonumber", ([value]) =>
            typeof value === "number" ? value : typeof value === "string" ? luaToNumber(value) : undefined,
          ),
        ],
        [
          "tostring",
          new Builtin("Lua.tostring", ([value], line) => this.#toString(value, line, "Lua.tostring")),
        ],
      ]),
    );
  }

  // ---- errors and problems ------------------------------------------------------------------

  #at(line: number): SourceLocation {
    return { file: this.#frame.file, line };
  }

  #refuse(what: string, line: number): never {
    throw new ConfigUnsupportedError(
      `${what} cannot be used in a config file: only options, tables, strings, numbers, booleans, nil, ` +
        "`..`, VirtualHost, Component, Include, ENV_*, FileContents, FileLine(s), Credential and " +
        "option:append are understood, and no code is run",
      { file: this.#frame.file, line },
    );
  }

  #problem(problem: Omit<ConfigProblem, "file">): void {
    this.data.problems.push({ file: this.#frame.file, ...problem });
  }

  /** Throws, or in tolerant mode records the error as a problem and returns undefined. */
  #fail(error: ConfigError, code: string): undefined {
    if (!this.#tolerant) throw error;
    this.data.problems.push({
      severity: "error",
      code,
      message: error.message,
      file: error.file,
      line: error.line,
      host: error.host,
      option: error.option,
    });
    return undefined;
  }

  // ---- files --------------------------------------------------------------------------------

  evaluateFile(file: string, line?: number, from?: string, shown: string = file): void {
    const path = resolve(file);
    if (this.#stack.includes(path)) {
      throw new ConfigIncludeError(`Include of ${path} would include it again (cycle)`, { file: from, line });
    }
    let source: string;
    try {
      source = readLatin1(path);
    } catch (cause) {
      const reason = (cause as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : String(cause);
      if (from === undefined)
        throw new ConfigFileError(`cannot read config file: ${reason}`, { file: path, cause });
      this.#fail(
        new ConfigIncludeError(`Include "${shown}": ${reason} (${path})`, { file: from, line, cause }),
        "CANTO_CONFIG_MISSING_INCLUDE",
      );
      return;
    }
    this.evaluateSource(source, path);
  }

  evaluateSource(latin1Source: string, file: string): void {
    const chunk = parseLua(latin1Source, file);
    const saved = this.#frame;
    this.#stack.push(file);
    this.#frame = { file, dir: dirname(file), locals: new Map(), current: GLOBAL, assigned: new Set() };
    this.data.files.push(file);
    try {
      for (const statement of chunk.body) this.#statement(statement);
    } finally {
      this.#stack.pop();
      this.#frame = saved;
    }
  }

  // ---- statements ---------------------------------------------------------------------------

  #statement(node: ast.Statement): void {
    const line = lineOf(node);
    switch (node.type) {
      case "AssignmentStatement": {
        const values = this.#expressionList(node.init);
        node.variables.forEach((target, i) => {
          if (target.type !== "Identifier") this.#refuse("Assigning to a field or index", line);
          this.#assign(target.name, values[i], lineOf(target));
        });
        return;
      }
      case "LocalStatement": {
        const values = this.#expressionList(node.init);
        node.variables.forEach((target, i) => {
          this.#frame.locals.set(target.name, values[i]);
        });
        return;
      }
      case "CallStatement":
        this.#call(node.expression);
        return;
      default:
        this.#refuse(REFUSED_STATEMENTS[node.type] ?? node.type, line);
    }
  }

  #expressionList(nodes: ast.Expression[]): LuaValue[] {
    return nodes.map((node) => this.#expression(node));
  }

  #assign(name: string, value: LuaValue, line: number): void {
    const frame = this.#frame;
    if (frame.locals.has(name)) {
      frame.locals.set(name, value);
      return;
    }
    if (this.#builtins.has(name) || name === "Lua" || LUA_GLOBALS.has(name)) {
      this.#refuse(`Assigning to '${name}'`, line);
    }
    if (!isData(value)) this.#refuse(`Using ${(value as Builtin | Namespace).name} as a value`, line);
    const key = `${frame.current}\0${name}`;
    if (frame.assigned.has(key)) {
      this.#problem({
        severity: "warning",
        code: "CANTO_CONFIG_DUPLICATE_OPTION",
        message: `${frame.file}:${line}: Duplicate option '${name}'${frame.current === GLOBAL ? "" : ` for host '${frame.current}'`}`,
        host: frame.current,
        option: name,
        line,
      });
    }
    frame.assigned.add(key);
    this.#setOption(frame.current, name, value, line);
  }

  #section(name: string): Section {
    if (name === GLOBAL) return this.data.global;
    const section = this.data.hosts.get(name);
    if (!section) throw new Error(`internal: no section ${name}`);
    return section;
  }

  #setOption(host: string, name: string, value: OptionValue | undefined, line: number): void {
    const options = this.#section(host).options;
    if (value === undefined) options.delete(name);
    else options.set(name, { value, location: this.#at(line) });
  }

  // ---- expressions --------------------------------------------------------------------------

  #expression(node: ast.Expression): LuaValue {
    const line = lineOf(node);
    switch (node.type) {
      case "StringLiteral":
        return decodeLuaString(node.value ?? "");
      case "NumericLiteral":
        return node.value;
      case "BooleanLiteral":
        return node.value;
      case "NilLiteral":
        return undefined;
      case "TableConstructorExpression":
        return this.#table(node);
      case "Identifier":
        return this.#identifier(node.name, line);
      case "BinaryExpression":
        return this.#binary(node, line);
      case "LogicalExpression": {
        const left = this.#expression(node.left);
        if (node.operator === "and") return truthy(left) ? this.#expression(node.right) : left;
        return truthy(left) ? left : this.#expression(node.right);
      }
      case "UnaryExpression": {
        const value = this.#expression(node.argument);
        if (node.operator === "not") return !truthy(value);
        if (node.operator === "-") return -this.#number(value, line, "-");
        if (node.operator === "#") {
          if (typeof value === "string") return Buffer.byteLength(value, "utf8");
          if (Array.isArray(value)) return value.length;
          return this.#refuse(`The length of a ${luaType(value)}`, line);
        }
        return this.#refuse(`The operator '${node.operator}'`, line);
      }
      case "MemberExpression": {
        if (node.indexer === ":") return this.#refuse("A method reference", line);
        return this.#index(this.#expression(node.base), node.identifier.name, line);
      }
      case "IndexExpression": {
        const key = this.#expression(node.index);
        if (typeof key !== "string" && typeof key !== "number")
          return this.#refuse("Indexing by a table", line);
        return this.#index(this.#expression(node.base), String(key), line);
      }
      case "CallExpression":
      case "StringCallExpression":
      case "TableCallExpression":
        return this.#call(node);
      case "FunctionDeclaration":
        return this.#refuse("function definitions", line);
      case "VarargLiteral":
        return this.#refuse("'...'", line);
    }
  }

  #identifier(name: string, line: number): LuaValue {
    const frame = this.#frame;
    if (frame.locals.has(name)) return frame.locals.get(name);
    const builtin = this.#builtins.get(name);
    if (builtin) return builtin;
    if (name.startsWith("ENV_")) return this.#env[name.slice(4)];
    if (name === "Lua") return this.#lua;
    if (name === "RunScript") return this.#refuse("RunScript (it runs a Lua file)", line);
    if (LUA_GLOBALS.has(name)) {
      return this.#refuse(
        `Lua's '${name}' (Lua.os.getenv, Lua.tonumber, Lua.tostring and Lua.math.huge are allowed)`,
        line,
      );
    }
    const own = this.#section(frame.current).options.get(name) ?? this.data.global.options.get(name);
    if (own !== undefined) return own.value;
    this.#problem({
      severity: "warning",
      code: "CANTO_CONFIG_UNKNOWN_NAME",
      message: `${frame.file}:${line}: '${name}' is neither an option set before this line nor a known name; it is nil`,
      host: frame.current,
      option: name,
      line,
    });
    return undefined;
  }

  #index(base: LuaValue, key: string, line: number): LuaValue {
    if (base instanceof Namespace) {
      if (!base.members.has(key)) this.#refuse(`${base.name}.${key}`, line);
      return base.members.get(key);
    }
    if (base !== null && typeof base === "object" && !(base instanceof Builtin)) {
      if (Array.isArray(base)) {
        const index = Number(key);
        return Number.isInteger(index) ? (base as OptionValue[])[index - 1] : undefined;
      }
      return (base as Record<string, OptionValue>)[key];
    }
    return this.#refuse(`Indexing a ${luaType(base)} value`, line);
  }

  #number(value: LuaValue, line: number, operator: string): number {
    if (typeof value === "number") return value;
    if (typeof value === "string") {
      const number = luaToNumber(value);
      if (number !== undefined) return number;
    }
    throw new ConfigValueError(`expected a number for '${operator}', got ${luaType(value)}`, {
      file: this.#frame.file,
      line,
    });
  }

  #toString(value: LuaValue, line: number, operator: string): string {
    if (typeof value === "string") return value;
    if (typeof value === "number") return luaNumberToString(value);
    if (operator === "Lua.tostring" && (typeof value === "boolean" || value === undefined)) {
      return value === undefined ? "nil" : String(value);
    }
    throw new ConfigValueError(`expected a string or number for '${operator}', got ${luaType(value)}`, {
      file: this.#frame.file,
      line,
    });
  }

  #binary(node: ast.BinaryExpression, line: number): LuaValue {
    const left = this.#expression(node.left);
    const right = this.#expression(node.right);
    const op = node.operator;
    switch (op) {
      case "..":
        return this.#toString(left, line, op) + this.#toString(right, line, op);
      case "==":
        return left === right;
      case "~=":
        return left !== right;
      case "<":
      case "<=":
      case ">":
      case ">=": {
        if (typeof left !== typeof right || (typeof left !== "number" && typeof left !== "string")) {
          throw new ConfigValueError(`cannot compare ${luaType(left)} with ${luaType(right)}`, {
            file: this.#frame.file,
            line,
          });
        }
        const a = left as number | string;
        const b = right as number | string;
        return op === "<" ? a < b : op === "<=" ? a <= b : op === ">" ? a > b : a >= b;
      }
      case "+":
      case "-":
      case "*":
      case "/":
      case "%":
      case "^":
      case "//": {
        const a = this.#number(left, line, op);
        const b = this.#number(right, line, op);
        if (op === "+") return a + b;
        if (op === "-") return a - b;
        if (op === "*") return a * b;
        if (op === "/") return a / b;
        if (op === "^") return a ** b;
        if (op === "//") return Math.floor(a / b);
        return a - Math.floor(a / b) * b;
      }
      default:
        return this.#refuse(`The operator '${op}'`, line);
    }
  }

  #table(node: ast.TableConstructorExpression): OptionValue {
    const items: OptionValue[] = [];
    const hash: Record<string, OptionValue> = {};
    let hashed = false;
    let next = 1;
    const put = (key: string, value: LuaValue, line: number) => {
      if (!isData(value)) this.#refuse(`Storing ${(value as Builtin | Namespace).name} in a table`, line);
      if (value !== undefined) {
        hash[key] = value;
        hashed = true;
      }
    };
    for (const field of node.fields) {
      const line = lineOf(field);
      const value = this.#expression(field.value);
      if (field.type === "TableValue") {
        if (!isData(value)) this.#refuse(`Storing ${(value as Builtin | Namespace).name} in a table`, line);
        if (value !== undefined) items[next - 1] = value;
        next++;
      } else if (field.type === "TableKeyString") {
        put(field.key.name, value, line);
      } else {
        const key = this.#expression(field.key);
        if (typeof key === "number" && Number.isInteger(key) && key >= 1) {
          if (!isData(value)) this.#refuse(`Storing ${(value as Builtin | Namespace).name} in a table`, line);
          if (value !== undefined) items[key - 1] = value;
        } else if (typeof key === "string") put(key, value, line);
        else this.#refuse(`A table key of type ${luaType(key)}`, line);
      }
    }
    let dense = true;
    for (let i = 0; i < items.length; i++) {
      if (!(i in items)) dense = false;
    }
    if (!hashed && dense) return items;
    const table: Record<string, OptionValue> = {};
    items.forEach((item, i) => {
      table[String(i + 1)] = item;
    });
    return Object.assign(table, hash);
  }

  // ---- calls --------------------------------------------------------------------------------

  #arguments(node: ast.CallExpression | ast.StringCallExpression | ast.TableCallExpression): LuaValue[] {
    if (node.type === "CallExpression") return this.#expressionList(node.arguments);
    if (node.type === "StringCallExpression") return [this.#expression(node.argument)];
    return [this.#expression(node.arguments)];
  }

  #call(node: ast.CallExpression | ast.StringCallExpression | ast.TableCallExpression): LuaValue {
    const line = lineOf(node);
    const base = node.base;
    // option:append { ... }
    if (base.type === "MemberExpression" && base.indexer === ":") {
      if (base.identifier.name !== "append" || base.base.type !== "Identifier") {
        return this.#refuse(`Calling the method ':${base.identifier.name}'`, line);
      }
      this.#append(base.base.name, this.#arguments(node), line);
      return undefined;
    }
    // option { ... }: the same as option:append { ... }
    if (
      base.type === "Identifier" &&
      !this.#frame.locals.has(base.name) &&
      !this.#builtins.has(base.name) &&
      !base.name.startsWith("ENV_") &&
      base.name !== "Lua" &&
      base.name !== "RunScript" &&
      !LUA_GLOBALS.has(base.name) &&
      node.type === "TableCallExpression"
    ) {
      this.#append(base.name, this.#arguments(node), line);
      return undefined;
    }
    const callee = this.#expression(base);
    if (!(callee instanceof Builtin)) return this.#refuse(`Calling a ${luaType(callee)} value`, line);
    return callee.call(this.#arguments(node), line);
  }

  #append(name: string, args: LuaValue[], line: number): void {
    const frame = this.#frame;
    const [items] = args;
    if (items === null || typeof items !== "object" || !isData(items)) {
      throw new ConfigValueError(
        `${name}:append expects a table such as { "a", "b" }, got ${luaType(items)}`,
        {
          file: frame.file,
          line,
          option: name,
        },
      );
    }
    const section = this.#section(frame.current);
    const existing = section.options.get(name) ?? this.data.global.options.get(name);
    const base = existing === undefined ? [] : existing.value;
    if (typeof base !== "object") {
      throw new ConfigValueError(`cannot append to option '${name}': it is a ${luaType(base)}, not a table`, {
        file: frame.file,
        line,
        option: name,
        host: frame.current,
      });
    }
    let result: OptionValue;
    if (Array.isArray(items) && Array.isArray(base)) {
      // a list onto a list: the items go at the end
      result = [...(base as OptionValue[]), ...(items as OptionValue[])];
    } else if (Array.isArray(items)) {
      // a list onto a mixed table: after its array part
      const table = { ...(base as Record<string, OptionValue>) };
      let next = 1;
      while (table[String(next)] !== undefined) next++;
      for (const item of items as OptionValue[]) table[String(next++)] = item;
      result = table;
    } else {
      // a hash onto a table: its keys are set (Prosody's merge)
      const table: Record<string, OptionValue> = Array.isArray(base)
        ? Object.fromEntries((base as OptionValue[]).map((v, i) => [String(i + 1), v]))
        : { ...(base as Record<string, OptionValue>) };
      result = Object.assign(table, items as Record<string, OptionValue>);
    }
    this.#setOption(frame.current, name, result, line);
  }

  #stringArg(what: string, args: LuaValue[], line: number): string {
    const [value] = args;
    if (typeof value !== "string") {
      throw new ConfigValueError(`${what} expects a string argument, got ${luaType(value)}`, {
        file: this.#frame.file,
        line,
      });
    }
    return value;
  }

  #virtualHost(args: LuaValue[], line: number): Builtin {
    const name = this.#hostName("VirtualHost", args, line);
    const existing = this.data.hosts.get(name);
    if (existing && existing.type === "component") {
      throw new ConfigValueError(
        `VirtualHost "${name}" clashes with the Component of the same name defined at ` +
          `${existing.definedAt[0]?.file}:${existing.definedAt[0]?.line}; for services use a sub-domain`,
        { file: this.#frame.file, line, host: name },
      );
    }
    const section = existing ?? newSection(name, "local");
    if (!existing) this.data.hosts.set(name, section);
    section.definedAt.push(this.#at(line));
    this.#frame.current = name;
    return new Builtin(`VirtualHost "${name}"`, (options, optionsLine) => {
      const [table] = options;
      if (typeof table === "string") {
        throw new ConfigValueError(
          `VirtualHost entries do not take a module name ("${table}" given for "${name}"); use Component`,
          { file: this.#frame.file, line: optionsLine, host: name },
        );
      }
      this.#hostOptions(name, table, optionsLine);
      return undefined;
    });
  }

  #component(args: LuaValue[], line: number): Builtin {
    const name = this.#hostName("Component", args, line);
    const existing = this.data.hosts.get(name);
    if (existing && existing.type === "local") {
      throw new ConfigValueError(
        `Component "${name}" clashes with the VirtualHost of the same name defined at ` +
          `${existing.definedAt[0]?.file}:${existing.definedAt[0]?.line}; for services use a sub-domain`,
        { file: this.#frame.file, line, host: name },
      );
    }
    const section = existing ?? newSection(name, "component");
    if (!existing) this.data.hosts.set(name, section);
    section.definedAt.push(this.#at(line));
    this.#setOption(name, "component_module", "component", line);
    this.#frame.current = name;
    const options = new Builtin(`Component "${name}" options`, ([table], optionsLine) => {
      this.#hostOptions(name, table, optionsLine);
      return undefined;
    });
    return new Builtin(`Component "${name}"`, ([value], moduleLine) => {
      if (typeof value === "string") {
        this.#setOption(name, "component_module", value, moduleLine);
        return options;
      }
      this.#hostOptions(name, value, moduleLine);
      return undefined;
    });
  }

  #hostName(what: string, args: LuaValue[], line: number): string {
    const [raw] = args;
    if (typeof raw !== "string") {
      throw new ConfigValueError(`${what} must have a name (a string), got ${luaType(raw)}`, {
        file: this.#frame.file,
        line,
      });
    }
    const name = prepHost(raw);
    if (name === undefined) {
      throw new ConfigValueError(`the name of ${what} "${raw}" contains forbidden characters`, {
        file: this.#frame.file,
        line,
      });
    }
    return name;
  }

  #hostOptions(host: string, table: LuaValue, line: number): void {
    this.#frame.current = GLOBAL;
    if (table === null || typeof table !== "object" || Array.isArray(table) || !isData(table)) {
      throw new ConfigValueError(`expected a table of options after "${host}", got ${luaType(table)}`, {
        file: this.#frame.file,
        line,
        host,
      });
    }
    for (const [name, value] of Object.entries(table as Record<string, OptionValue>)) {
      this.#setOption(host, name, value, line);
    }
  }

  #include(args: LuaValue[], line: number): undefined {
    const pattern = this.#stringArg("Include", args, line);
    const frame = this.#frame;
    if (!/[*?]/.test(pattern)) {
      this.evaluateFile(resolveRelativePath(frame.dir, pattern), line, frame.file, pattern);
      return undefined;
    }
    const slash = pattern.lastIndexOf("/");
    const folder = slash < 0 ? frame.dir : resolveRelativePath(frame.dir, pattern.slice(0, slash) || "/");
    const glob = pattern.slice(slash + 1);
    let names: string[];
    try {
      names = readdirSync(folder);
    } catch (cause) {
      return this.#fail(
        new ConfigIncludeError(`Include "${pattern}": no such folder ${folder}`, {
          file: frame.file,
          line,
          cause,
        }),
        "CANTO_CONFIG_MISSING_INCLUDE",
      );
    }
    const matcher = globToRegExp(glob);
    const files = names
      .filter((name) => !name.startsWith(".") && matcher.test(name))
      .sort()
      .map((name) => resolve(folder, name))
      .filter((file) => {
        try {
          return statSync(file).isFile();
        } catch {
          return false;
        }
      });
    if (files.length === 0) {
      this.#problem({
        severity: "warning",
        code: "CANTO_CONFIG_EMPTY_INCLUDE",
        message: `${frame.file}:${line}: Include "${pattern}" matches no file in ${folder}`,
        line,
      });
    }
    for (const file of files) this.evaluateFile(file, line, frame.file);
    return undefined;
  }

  #fileContents(args: LuaValue[], line: number, mode: "all" | "line" | "lines"): LuaValue {
    const what = mode === "all" ? "FileContents" : mode === "line" ? "FileLine" : "FileLines";
    const name = this.#stringArg(what, args, line);
    const path = resolveRelativePath(this.#frame.dir, name);
    let text: string;
    try {
      text = readFileSync(path, "utf8");
    } catch (cause) {
      return this.#fail(
        new ConfigFileError(`${what}("${name}"): cannot read ${path}`, {
          file: this.#frame.file,
          line,
          cause,
        }),
        "CANTO_CONFIG_FILE",
      );
    }
    if (mode === "all") return text;
    const lines = text.split(/\r?\n/);
    if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
    return mode === "line" ? (lines[0] ?? "") : lines;
  }

  #credential(args: LuaValue[], line: number): LuaValue {
    const name = this.#stringArg("Credential", args, line);
    const file = this.#frame.file;
    const folder = this.#env.CREDENTIALS_DIRECTORY;
    if (!folder) {
      return this.#fail(
        new ConfigFileError(`Credential("${name}") needs the CREDENTIALS_DIRECTORY environment variable`, {
          file,
          line,
        }),
        "CANTO_CONFIG_CREDENTIAL",
      );
    }
    if (name.includes("/") || name.startsWith(".")) {
      throw new ConfigValueError(
        `Credential("${name}"): a credential name cannot contain '/' or start with '.'`,
        {
          file,
          line,
        },
      );
    }
    const path = resolve(folder, name);
    if (!existsSync(path)) {
      return this.#fail(
        new ConfigFileError(`Credential("${name}"): no file ${path}`, { file, line }),
        "CANTO_CONFIG_CREDENTIAL",
      );
    }
    return readFileSync(path, "utf8");
  }
}

/** Reads a Prosody-style Lua config file (and what it Includes). Never runs code. */
export function loadLuaConfig(file: string, options: LuaLoadOptions = {}): ConfigData {
  const evaluator = new Evaluator(emptyData(), options);
  evaluator.evaluateFile(file);
  return evaluator.data;
}

/**
 * Reads Lua config text given as a string. `file` names it in messages and is the base of
 * relative Include and FileContents paths.
 */
export function parseLuaConfig(source: string, file: string, options: LuaLoadOptions = {}): ConfigData {
  const evaluator = new Evaluator(emptyData(), options);
  evaluator.evaluateSource(Buffer.from(source, "utf8").toString("latin1"), resolve(file));
  return evaluator.data;
}
