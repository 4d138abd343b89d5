import ipaddr from 'ipaddr.js';

/** How many leading bits of an IPv6 address name one client: a /64 is one subscriber's network. */
export const IPV6_CLIENT_PREFIX_BITS = 64;

/**
 * The key per-address limits count under: an IPv4 address as is (IPv4-mapped
 * IPv6 written as IPv4), an IPv6 address by its /64 network, since one
 * subscriber gets a whole /64 and could otherwise take a fresh address per
 * request. Anything unparsable is counted as written.
 */
export function clientAddressKey(address: string | undefined): string {
  if (!address) return 'unknown';
  if (!ipaddr.isValid(address)) return address;
  const ip = ipaddr.process(address);
  if (ip.kind() === 'ipv4') return ip.toString();
  const parts = (ip as ipaddr.IPv6).parts.slice();
  for (let i = IPV6_CLIENT_PREFIX_BITS / 16; i < 8; i++) parts[i] = 0;
  return `${new ipaddr.IPv6(parts).toString()}/${IPV6_CLIENT_PREFIX_BITS}`;
}
