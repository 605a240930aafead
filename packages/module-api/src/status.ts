/** The kinds of module status, lowest severity first. `core` is what a successful load sets. */
export type StatusType = "core" | "info" | "warn" | "error";

export interface ModuleStatus {
  type: StatusType;
  message: string;
  /** Seconds since the epoch at which the status was accepted. */
  time: number;
}

const SEVERITY: Record<StatusType, number> = { core: 0, info: 1, warn: 2, error: 3 };

export function isStatusType(value: unknown): value is StatusType {
  return typeof value === "string" && Object.hasOwn(SEVERITY, value);
}

/**
 * Whether `next` replaces `current`. As the reference says, a status of lower severity than the
 * current one is ignored unless `override` is true; equal or higher severity always wins.
 */
export function acceptsStatus(
  current: ModuleStatus | undefined,
  next: StatusType,
  override: boolean,
): boolean {
  if (override || current === undefined) return true;
  return SEVERITY[next] >= SEVERITY[current.type];
}
