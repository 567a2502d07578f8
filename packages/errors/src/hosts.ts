/**
 * Whether `host` names this machine's loopback interface: `localhost` (any case, with or without the
 * root's trailing dot), an IPv4 address in 127.0.0.0/8, `::1`, or an IPv4-mapped loopback address
 * (`::ffff:127.0.0.1`). `host` is a URL's `host` or `hostname`, or an address to listen on: brackets
 * around IPv6 and a `:port` are allowed. Written in any form the WHATWG URL parser accepts (`127.1`,
 * `0:0:0:0:0:0:0:1`), it is judged by the address that form means.
 *
 * Used where a decision depends on traffic staying on this machine (plain http without a warning, a
 * dashboard without tokens), so it errs on the side of "not loopback": `0.0.0.0` and `::` (every
 * interface) are not, nor are names under `localhost` (`app.localhost`, `localhost.example.com`),
 * which only some resolvers keep on this machine, nor anything that does not parse.
 */
export function isLoopbackHost(host: string): boolean {
  let h = host.trim();
  if (h === '' || /[/?#@\\\s]/.test(h)) return false;
  // A bare IPv6 literal (two or more colons) gets the brackets a URL needs.
  if (!h.startsWith('[') && h.indexOf(':') !== h.lastIndexOf(':')) h = `[${h}]`;
  let hostname: string;
  try {
    hostname = new URL(`http://${h}/`).hostname.toLowerCase();
  } catch {
    return false;
  }
  if (hostname === 'localhost' || hostname === 'localhost.') return true;
  if (hostname.startsWith('[')) {
    // The parser serialises IPv6 compressed and in hex: ::1, and ::ffff:7fxx:xxxx for ::ffff:127.x.x.x.
    return hostname === '[::1]' || /^\[::ffff:7f[0-9a-f]{2}:[0-9a-f]{1,4}\]$/.test(hostname);
  }
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);
}
