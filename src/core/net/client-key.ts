// The client a rate limit or a sign-in failure is counted against. An IPv6 host usually holds a
// whole /64 (SLAAC, privacy addresses) and can pick a new address per request, so IPv6 clients
// count per /64; an IPv4-mapped IPv6 address (`::ffff:192.0.2.1`, dual-stack sockets) is its
// IPv4 address. Called on every rate-limited request: an IPv4 address returns at once.
import ipaddr from 'ipaddr.js';

export function clientKey(ip: string): string {
  if (!ip.includes(':')) return ip.includes('.') ? ip : ip.toLowerCase();
  if (!ipaddr.isValid(ip)) return ip.toLowerCase();
  const address = ipaddr.process(ip);
  if (address.kind() === 'ipv4') return address.toString();
  const network = new ipaddr.IPv6([...(address as ipaddr.IPv6).parts.slice(0, 4), 0, 0, 0, 0]);
  return `${network.toRFC5952String()}/64`;
}
