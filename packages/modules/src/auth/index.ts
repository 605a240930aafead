import type { ModuleSetup } from "canto";
import authInternalHashed from "./auth-internal-hashed.js";
import bind from "./bind.js";
import register from "./register.js";
import saslauth from "./saslauth.js";

/** The auth modules, by name. */
export const authModules: Record<string, ModuleSetup> = {
  auth_internal_hashed: authInternalHashed,
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
