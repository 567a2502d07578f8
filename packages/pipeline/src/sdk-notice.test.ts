import { describe, expect, it } from 'vitest';
import { AWS_SDK_NODE_NOTICE_SWITCH, silenceAwsSdkNodeNotice } from './sdk-notice.js';

describe('silenceAwsSdkNodeNotice', () => {
  it("turns the SDK's Node.js version notice off, unless the user chose", () => {
    const unset: NodeJS.ProcessEnv = {};
    silenceAwsSdkNodeNotice(unset);
    expect(unset[AWS_SDK_NODE_NOTICE_SWITCH]).toBe('true');
    const chosen: NodeJS.ProcessEnv = { [AWS_SDK_NODE_NOTICE_SWITCH]: 'false' };
    silenceAwsSdkNodeNotice(chosen);
    expect(chosen[AWS_SDK_NODE_NOTICE_SWITCH]).toBe('false');
  });
});
