import { describe, expect, it } from 'vitest';
import { isLoopbackHost } from './hosts.js';

describe('isLoopbackHost', () => {
  it.each([
    '127.0.0.1',
    '127.0.0.53',
    '127.255.255.254',
    '127.1',
    '127.0.0.1:9000',
    '::1',
    '[::1]',
    '[::1]:8080',
    '0:0:0:0:0:0:0:1',
    '::ffff:127.0.0.1',
    '[::ffff:127.0.0.1]',
    '::ffff:127.10.0.1',
    '::ffff:7f00:1',
    'localhost',
    'LOCALHOST.',
    'LocalHost',
    'localhost:9000',
  ])('%s is loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(true);
  });

  it.each([
    '0.0.0.0',
    '::',
    '[::]',
    '128.0.0.1',
    '126.255.255.255',
    '10.0.0.1',
    '192.168.1.20',
    '::2',
    '::ffff:10.0.0.1',
    '::ffff:0.0.0.0',
    '::127.0.0.1',
    '127.0.0.1.example.com',
    'localhost.evil.com',
    'localhost.localdomain.evil.com',
    'app.localhost',
    'notlocalhost',
    'localhost..',
    'user@127.0.0.1',
    '127.0.0.1/path',
    '127.0.0.1:99999',
    '[::1',
    '',
    '   ',
  ])('%j is not loopback', (host) => {
    expect(isLoopbackHost(host)).toBe(false);
  });

  it('accepts what URL gives for the same address', () => {
    for (const url of [
      'http://127.0.0.1:9000/x',
      'http://[::1]:443/',
      'http://[::ffff:127.0.0.1]/',
      'http://LOCALHOST./',
    ]) {
      const u = new URL(url);
      expect(isLoopbackHost(u.hostname), u.hostname).toBe(true);
      expect(isLoopbackHost(u.host), u.host).toBe(true);
    }
  });
});
