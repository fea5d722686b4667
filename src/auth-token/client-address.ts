// Who is asking, for fair queuing of token validations: the socket peer, or, when the peer is one of the
// operator's trusted proxies, the right-most X-Forwarded-For hop that is not a trusted proxy. Hops left of
// that one are written by the client and prove nothing, so they are never used. The answer is a queuing key
// whose number a caller cannot inflate: an IPv4 address, an IPv6 /64 (one host or one LAN usually holds a
// whole /64, so per address would hand each caller 2^64 keys), or, for a hop that is not an address, the
// trusted proxy that passed it on (never the text itself, which anyone can vary). See docs/deploy.md,
// "Behind a reverse proxy".
import net from 'node:net';

/** A peer or hop that parsed as an address: `ip` for the trusted-proxy check, `key` to queue under. */
export interface Address {
  ip: string;
  family: 'ipv4' | 'ipv6';
  key: string;
}

export class TrustedProxies {
  private readonly list = new net.BlockList();
  readonly isEmpty: boolean;

  /** Entries are addresses or CIDR ranges, IPv4 or IPv6 ("10.0.0.0/8", "fd00::/8", "192.0.2.7"). */
  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address = '', prefix] = entry.trim().split('/');
      const type = net.isIPv6(address) ? 'ipv6' : 'ipv4';
      if (net.isIP(address) === 0) throw new RangeError(`not an IP address or CIDR range: ${entry}`);
      if (prefix === undefined) this.list.addAddress(address, type);
      else {
        const bits = Number(prefix);
        if (!/^\d{1,3}$/.test(prefix) || bits > (type === 'ipv6' ? 128 : 32))
          throw new RangeError(`bad prefix length: ${entry}`);
        this.list.addSubnet(address, bits, type);
      }
    }
    this.isEmpty = entries.length === 0;
  }

  contains(address: Address): boolean {
    return this.list.check(address.ip, address.family);
  }
}

/**
 * The eight 16-bit groups of an IPv6 address, in hex, from WHATWG URL's canonical form (lower case, no
 * leading zeros, no IPv4 tail); undefined where the URL parser disagrees with net.isIPv6.
 */
function ipv6Groups(address: string): string[] | undefined {
  let canonical: string;
  try {
    canonical = new URL(`http://[${address}]/`).hostname.slice(1, -1);
  } catch {
    return undefined;
  }
  const [head = '', tail] = canonical.split('::');
  const left = head === '' ? [] : head.split(':');
  if (tail === undefined) return left;
  const right = tail === '' ? [] : tail.split(':');
  return [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
}

/**
 * An IPv4 or IPv6 address (zone index dropped: a caller could vary it at will), IPv4-mapped IPv6 as IPv4,
 * with its queuing key; undefined for anything else.
 */
function parseAddress(text: string): Address | undefined {
  if (net.isIPv4(text)) return { ip: text, family: 'ipv4', key: text };
  const bare = text.split('%')[0]!;
  if (!net.isIPv6(bare)) return undefined;
  const groups = ipv6Groups(bare);
  if (groups === undefined) return undefined;
  if (groups.slice(0, 5).every((g) => g === '0') && groups[5] === 'ffff') {
    const [hi, lo] = [parseInt(groups[6]!, 16), parseInt(groups[7]!, 16)];
    const ip = `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
    return { ip, family: 'ipv4', key: ip };
  }
  return { ip: bare, family: 'ipv6', key: `${groups.slice(0, 4).join(':')}::/64` };
}

/**
 * One X-Forwarded-For hop: an address, optionally with a port as some proxies write it ("192.0.2.1:4711",
 * "[2001:db8::1]:4711", "[2001:db8::1]"); the port is dropped. Undefined when it is not one.
 */
function parseHop(hop: string): Address | undefined {
  let text = hop.trim();
  if (text.startsWith('[')) {
    const close = text.indexOf(']');
    const rest = text.slice(close + 1);
    if (close < 0 || (rest !== '' && !isPort(rest))) return undefined;
    text = text.slice(1, close);
    return net.isIPv6(text.split('%')[0]!) ? parseAddress(text) : undefined;
  }
  const colon = text.indexOf(':');
  if (colon > 0 && colon === text.lastIndexOf(':')) {
    // "a.b.c.d:port"; a single colon never appears in an IPv6 address.
    const port = text.slice(colon);
    text = text.slice(0, colon);
    if (!isPort(port) || !net.isIPv4(text)) return undefined;
  }
  return parseAddress(text);
}

/** ":1" to ":65535". */
function isPort(text: string): boolean {
  const digits = text.slice(1);
  return text.startsWith(':') && /^\d{1,5}$/.test(digits) && Number(digits) <= 65535;
}

/**
 * Most X-Forwarded-For hops read: far more proxies than any real chain has. Each hop costs an address parse and a
 * BlockList check (microseconds, IPv6 more), and a 16 KB header holds thousands: a client inside a trusted range
 * made every request cost milliseconds before anything else was checked (attack round 2).
 */
export const MAX_FORWARDED_HOPS = 16;

/** The client's queuing key: the peer, or the right-most untrusted X-Forwarded-For hop behind trusted proxies. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  const from = peer === undefined ? undefined : parseAddress(peer);
  // Node gives a connected socket's peer; undefined only once it is gone.
  if (from === undefined) return 'unknown';
  if (trusted.isEmpty || !trusted.contains(from) || forwardedFor === undefined) return from.key;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',');
  // The hop each trusted proxy appended is the address it saw; walk from the nearest one outwards.
  let forwarder = from;
  // Past MAX_FORWARDED_HOPS trusted hops, as for a hop that is not an address: the last trusted one seen.
  for (let i = hops.length - 1; i >= Math.max(0, hops.length - MAX_FORWARDED_HOPS); i--) {
    const hop = parseHop(hops[i]!);
    // Not an address: whoever wrote it is untrusted, and its text could be anything. Count the request
    // against the trusted proxy that passed it on: one key per proxy, however the text varies.
    if (hop === undefined) return forwarder.key;
    if (!trusted.contains(hop)) return hop.key;
    forwarder = hop;
  }
  // Every hop read is a trusted proxy: the left-most one is the closest we know to the client.
  return forwarder.key;
}
