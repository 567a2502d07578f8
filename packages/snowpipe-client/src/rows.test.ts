import { describe, expect, it } from 'vitest';
import { SnowpipeOptionsError } from './errors.js';
import { encodeRow, toSnowpipeRow } from './rows.js';
import { normalizeChannelStatus } from './status.js';

describe('rows and status', () => {
  it('builds one row per reading: ISO UTC milliseconds, every column, null where missing', () => {
    const row = toSnowpipeRow(
      'st-1',
      Date.UTC(2026, 2, 1, 9, 0, 5, 7),
      { temperature: 21.5, pm25: Number.NaN },
      ['temperature', 'humidity', 'pm25'],
    );
    expect(row).toEqual({
      station_id: 'st-1',
      timestamp: '2026-03-01T09:00:05.007Z',
      temperature: 21.5,
      humidity: null,
      pm25: null,
    });
    expect(encodeRow(row)).toBe(`${JSON.stringify(row)}\n`);
    expect(() => toSnowpipeRow('st-1', Number.NaN, {})).toThrow(SnowpipeOptionsError);
  });

  it('reads the error counter under its observed and documented names', () => {
    expect(
      normalizeChannelStatus({ channel_status_code: 'SUCCESS', rows_error_count: 3 }).rowsErrorCount,
    ).toBe(3);
    expect(normalizeChannelStatus({ channel_status_code: 'SUCCESS', rows_errors: 2 }).rowsErrorCount).toBe(2);
    expect(normalizeChannelStatus({ last_committed_offset_token: null }).lastCommittedOffsetToken).toBeNull();
  });
});
