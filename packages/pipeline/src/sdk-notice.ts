/** The AWS SDK's switch for its Node.js version notice. */
export const AWS_SDK_NODE_NOTICE_SWITCH = 'AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED';

/**
 * Keeps the AWS SDK's nine-line Node.js version notice out of the output. On Node < 22 the SDK prints
 * it (a process warning on stderr) the first time a client is built, so every `opensensor sync` and
 * every agent start filled terminals and journald with it. It says that SDK versions published after
 * the first week of January 2027 require Node 22 or newer: the versions this project pins work on
 * Node 20, and docs/deployment.md tells users to move to Node 22. A user who sets the switch keeps
 * their value. Call it at the start of a bin, before any S3 client exists.
 */
export function silenceAwsSdkNodeNotice(env: NodeJS.ProcessEnv = process.env): void {
  env[AWS_SDK_NODE_NOTICE_SWITCH] ??= 'true';
}
