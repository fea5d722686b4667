// Who is asking, for fair queuing of token validations: the socket peer, or, when the peer is one of the
// operator's trusted proxies, the right-most X-Forwarded-For hop that is not a trusted proxy. Hops left of
// that one are written by the client and prove nothing, so they are never used.
import net from 'node:net';

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

  has(address: string): boolean {
    const plain = unmapped(address);
    const type = net.isIPv6(plain) ? 'ipv6' : net.isIPv4(plain) ? 'ipv4' : undefined;
    return type !== undefined && this.list.check(plain, type);
  }
}

/** "::ffff:10.1.2.3" (an IPv4 peer on a dual-stack socket) -> "10.1.2.3". */
function unmapped(address: string): string {
  return address.startsWith('::ffff:') && net.isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** The client's address: the peer, or the right-most untrusted X-Forwarded-For hop behind trusted proxies. */
export function clientAddress(
  peer: string | undefined,
  forwardedFor: string | string[] | undefined,
  trusted: TrustedProxies,
): string {
  const from = unmapped(peer ?? 'unknown');
  if (trusted.isEmpty || !trusted.has(from) || forwardedFor === undefined) return from;
  const hops = (Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor).split(',').map((h) => h.trim());
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = unmapped(hops[i]!);
    // A garbled hop was written by someone untrusted: stop there and count the request against it.
    if (net.isIP(hop) === 0) return hop === '' ? from : `invalid:${hop.slice(0, 64)}`;
    if (!trusted.has(hop)) return hop;
  }
  // Every hop is a trusted proxy: the left-most one is the closest we know to the client.
  return unmapped(hops[0] ?? from);
}
