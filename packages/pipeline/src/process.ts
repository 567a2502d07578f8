// The process-level helpers of the apps' bins, on their own entry point so that a bin loads them
// without the pipeline (`opensensor --help` stays fast).
export { type ClosableOutput, type ClosedOutputOptions, endOnClosedOutput } from './closed-output.js';
export { AWS_SDK_NODE_NOTICE_SWITCH, silenceAwsSdkNodeNotice } from './sdk-notice.js';
export { type ShutdownOptions, shutdownSignal } from './shutdown.js';
