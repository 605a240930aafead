import type { ModuleSetup } from "canto";
import authAnonymous from "./auth-anonymous.js";
import authInternalHashed from "./auth-internal-hashed.js";
import authInternalPlain from "./auth-internal-plain.js";
import bind from "./bind.js";
import register from "./register.js";
import saslauth from "./saslauth.js";

/** The auth modules, by name. */
export const authModules: Record<string, ModuleSetup> = {
  auth_internal_hashed: authInternalHashed,
  auth_internal_plain: authInternalPlain,
  auth_anonymous: authAnonymous,
  saslauth,
  register,
  bind,
};

export {
  type AccountsServer,
  accountExists,
  accountProvider,
  createAccount,
  deleteAccount,
  listAccounts,
  setPassword,
} from "./accounts.js";
export { AccountError, type AccountErrorCode } from "./errors.js";
