// Node ends the process on SIGHUP unless something listens. `canto start` reloads on SIGHUP, so
// the CLI listens from its first line: a SIGHUP while the modules are still being imported or the
// server is starting is kept here, and start() reloads once the server is up.

let held = 0;
const hold = () => {
  held++;
};

/** Starts keeping SIGHUPs until `takeHeldHangUps()`. */
export function holdHangUps(): void {
  process.on("SIGHUP", hold);
}

/** Stops keeping SIGHUPs and returns how many came meanwhile. */
export function takeHeldHangUps(): number {
  process.off("SIGHUP", hold);
  const count = held;
  held = 0;
  return count;
}
