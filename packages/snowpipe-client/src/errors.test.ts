import { describe, expect, it } from 'vitest';
import { classifyError, parseErrorBody, SnowpipeError } from './errors.js';

describe('parseErrorBody', () => {
  it.each([
    [
      'documented {code,message}',
      '{"code":"STALE_CONTINUATION_TOKEN_SEQUENCER","message":"Channel sequencer in the continuation token is stale. Please reopen the channel"}',
      'STALE_CONTINUATION_TOKEN_SEQUENCER',
      'Channel sequencer in the continuation token is stale. Please reopen the channel',
    ],
    [
      'empty message',
      '{"code":"ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED","message":""}',
      'ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED',
      '',
    ],
    [
      'error_code',
      '{"error_code":"ERR_PIPE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED","message":"Pipe X"}',
      'ERR_PIPE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED',
      'Pipe X',
    ],
    ['bare JSON string', '"ERR_GENERAL_EXCEPTION_RETRY_REQUEST"', 'ERR_GENERAL_EXCEPTION_RETRY_REQUEST', ''],
    ['{error}', '{"error":"ERR_PIPE_KIND_NOT_SUPPORTED"}', 'ERR_PIPE_KIND_NOT_SUPPORTED', ''],
    [
      'result_handler',
      '{"code":"ERR_CHANNEL_MUST_BE_REOPENED","message":"m","result_handler":"REOPEN"}',
      'ERR_CHANNEL_MUST_BE_REOPENED',
      'm',
    ],
    [
      'numeric-string auth code',
      '{"code":"390144","message":"JWT token is invalid. [abc]"}',
      '390144',
      'JWT token is invalid. [abc]',
    ],
    ['numeric code', '{"code":390144,"message":"x"}', '390144', 'x'],
    [
      'legacy status_code',
      '{"status_code":21,"message":"out of order"}',
      'ERR_CHANNEL_HAS_INVALID_ROW_SEQUENCER',
      'out of order',
    ],
    ['non-JSON', '<html>Bad gateway</html>', undefined, '<html>Bad gateway</html>'],
    ['empty body', '', undefined, ''],
  ])('%s', (_name, body, code, message) => {
    expect(parseErrorBody(body)).toEqual({ code, message });
  });
});

describe('classifyError', () => {
  it.each([
    [400, 'STALE_CONTINUATION_TOKEN_SEQUENCER', 'reopen'],
    [400, 'ERR_CHANNEL_HAS_INVALID_ROW_SEQUENCER', 'reopen'],
    [400, 'ERR_CHANNEL_DOES_NOT_EXIST_OR_IS_NOT_AUTHORIZED', 'reopen'],
    [409, 'ERR_CHANNEL_MUST_BE_REOPENED_DUE_TO_ROW_SEQ_GAP', 'reopen'],
    [409, undefined, 'reopen'],
    [410, undefined, 'reopen'],
    [409, 'ERR_OPEN_CHANNEL_IN_PROGRESS', 'retry'],
    [503, 'ERR_GENERAL_EXCEPTION_RETRY_REQUEST', 'retry'],
    [500, undefined, 'retry'],
    [429, undefined, 'retry'],
    [408, undefined, 'retry'],
    [401, '390144', 'reauth'],
    [401, undefined, 'reauth'],
    [401, '390432', 'fatal'],
    [403, undefined, 'fatal'],
    [404, 'ERR_PIPE_DOES_NOT_EXIST_OR_NOT_AUTHORIZED', 'fatal'],
    [200, 'ERR_PIPE_IN_INVALID_STATE', 'fatal'],
    [400, '391902', 'fatal'],
    [400, 'SOMETHING_NEW', 'fatal'],
  ] as const)('HTTP %i %s → %s', (status, code, action) => {
    expect(classifyError(status, code)).toBe(action);
  });

  it('builds errors that say what to do and whether to retry', () => {
    const error = new SnowpipeError({
      operation: 'append',
      status: 429,
      code: 'HTTP_429',
      detail: '',
      action: 'retry',
      channel: 'st-1',
    });
    expect(error.retryable).toBe(true);
    expect(error.message).toContain('channel "st-1"');
    expect(error.message).toContain('retry with backoff');
    const reopen = new SnowpipeError({
      operation: 'append',
      status: 400,
      code: 'STALE_CONTINUATION_TOKEN_SEQUENCER',
      detail: 'stale',
      action: 'reopen',
    });
    expect(reopen.retryable).toBe(false);
    expect(reopen.message).toContain('Reopen the channel');
  });
});
