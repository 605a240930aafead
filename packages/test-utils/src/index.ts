export { type PackedInstall, type PackOptions, packAndInstall } from "./pack.js";
export { type LogEntry, type RecordingLogger, recordingLogger } from "./recording-logger.js";
