/**
 * Which network addresses Deskless may call on a tenant's behalf. Webhook subscriptions and attachment URLs of
 * inbound messages are chosen by tenants or by whoever sends them a message, so a request to them must never
 * reach the deployment's own network: no private, loopback, link-local (the instance metadata service),
 * carrier-grade NAT, multicast or reserved ranges, in IPv4 or IPv6 (including IPv4-mapped IPv6, and 6to4 and
 * NAT64 addresses judged by the IPv4 address they embed; Teredo is refused).
 */

/** How strict the check is. `allowLoopbackHttp` is the local runtime's: `http://127.0.0.1:port` to try it out. */
export interface UrlPolicy {
  readonly allowLoopbackHttp: boolean;
}

export const AWS_URL_POLICY: UrlPolicy = { allowLoopbackHttp: false };

type V4 = readonly [number, number, number, number];

function parseV4(text: string): V4 | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const octets = parts.map((p) => (/^\d{1,3}$/.test(p) ? Number(p) : Number.NaN));
  if (octets.some((o) => !(o >= 0 && o <= 255))) return null;
  return octets as unknown as V4;
}

/** [first octet, second octet range] blocks that are not the public internet (RFC 6890 and friends). */
function isPublicV4([a, b, c]: V4): boolean {
  if (a === 0 || a === 10 || a === 127) return false; // "this" network, private, loopback
  if (a === 100 && b >= 64 && b <= 127) return false; // carrier-grade NAT
  if (a === 169 && b === 254) return false; // link-local, the metadata service
  if (a === 172 && b >= 16 && b <= 31) return false; // private
  if (a === 192 && b === 168) return false; // private
  if (a === 192 && b === 0 && (c === 0 || c === 2)) return false; // IETF protocol assignments, TEST-NET-1
  if (a === 192 && b === 88 && c === 99) return false; // 6to4 relay anycast (deprecated): tunnels anywhere
  if (a === 198 && (b === 18 || b === 19)) return false; // benchmarking
  if (a === 198 && b === 51 && c === 100) return false; // TEST-NET-2
  if (a === 203 && b === 0 && c === 113) return false; // TEST-NET-3
  if (a >= 224) return false; // multicast, reserved, broadcast
  return true;
}

/** Expands an IPv6 text form into 8 hextets; null when it is not one. */
function parseV6(text: string): number[] | null {
  let body = text.toLowerCase();
  const zone = body.indexOf('%');
  if (zone >= 0) body = body.slice(0, zone);
  const lastColon = body.lastIndexOf(':');
  const maybeV4 = body.slice(lastColon + 1);
  if (maybeV4.includes('.')) {
    // A dotted IPv4 tail (::ffff:10.0.0.1) stands for the last two hextets.
    const v4 = parseV4(maybeV4);
    if (!v4) return null;
    const hi = ((v4[0] << 8) | v4[1]).toString(16);
    const lo = ((v4[2] << 8) | v4[3]).toString(16);
    body = `${body.slice(0, lastColon + 1)}${hi}:${lo}`;
  }
  const halves = body.split('::');
  if (halves.length > 2) return null;
  const toHextets = (s: string) => (s === '' ? [] : s.split(':'));
  const head = toHextets(halves[0] ?? '');
  const rest = halves.length === 2 ? toHextets(halves[1] ?? '') : [];
  const missing = 8 - head.length - rest.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...Array(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  if (all.some((h) => !/^[0-9a-f]{1,4}$/.test(h))) return null;
  return all.map((h) => Number.parseInt(h, 16));
}

function isPublicV6(h: readonly number[]): boolean {
  const [h0 = 0, , , , , h5 = 0, h6 = 0, h7 = 0] = h;
  const upperZero = h.slice(0, 5).every((x) => x === 0);
  if (upperZero && h5 === 0xffff) {
    // IPv4-mapped: judge the IPv4 address inside.
    return isPublicV4([h6 >> 8, h6 & 0xff, h7 >> 8, h7 & 0xff]);
  }
  if (h.every((x, i) => (i < 7 ? x === 0 : x <= 1))) return false; // :: and ::1
  if ((h0 & 0xfe00) === 0xfc00) return false; // unique local fc00::/7
  if ((h0 & 0xffc0) === 0xfe80) return false; // link-local fe80::/10
  if ((h0 & 0xff00) === 0xff00) return false; // multicast
  if (h0 === 0x2001 && h[1] === 0x0db8) return false; // documentation
  // Teredo 2001::/32: the tunnel's server and client addresses are inside, obfuscated; never a receiver.
  if (h0 === 0x2001 && h[1] === 0x0000) return false;
  if (h0 === 0x2002) {
    // 6to4 2002::/16: the IPv4 address of the tunnel's end is hextets 1–2 (2002:a9fe:a9fe:: is 169.254.169.254).
    const h1 = h[1] ?? 0;
    const h2 = h[2] ?? 0;
    return isPublicV4([h1 >> 8, h1 & 0xff, h2 >> 8, h2 & 0xff]);
  }
  if (h0 === 0x0064 && h[1] === 0xff9b) {
    // NAT64: judge the embedded IPv4 address.
    return isPublicV4([h6 >> 8, h6 & 0xff, h7 >> 8, h7 & 0xff]);
  }
  return (h0 & 0xe000) === 0x2000; // only global unicast 2000::/3 is public
}

export type AddressKind = 'public' | 'loopback' | 'private' | 'invalid';

/** Classifies a literal IP address (v4 or v6, brackets allowed). */
export function classifyAddress(address: string): AddressKind {
  const text = address.startsWith('[') && address.endsWith(']') ? address.slice(1, -1) : address;
  const v4 = parseV4(text);
  if (v4) return v4[0] === 127 ? 'loopback' : isPublicV4(v4) ? 'public' : 'private';
  const v6 = parseV6(text);
  if (!v6) return 'invalid';
  if (v6.every((x, i) => (i < 7 ? x === 0 : x === 1))) return 'loopback';
  if (v6.slice(0, 5).every((x) => x === 0) && v6[5] === 0xffff && v6[6]! >> 8 === 127) return 'loopback';
  return isPublicV6(v6) ? 'public' : 'private';
}

/** Whether a resolved address may be called under the policy. */
export function addressAllowed(address: string, policy: UrlPolicy): boolean {
  const kind = classifyAddress(address);
  return kind === 'public' || (kind === 'loopback' && policy.allowLoopbackHttp);
}

export type UrlCheck =
  | { readonly ok: true; readonly url: URL }
  | { readonly ok: false; readonly reason: string };

const looksLikeIp = (host: string) => classifyAddress(host) !== 'invalid';

/**
 * The static half of the check, done when a URL is saved or received: https only (or plain http to the
 * loopback address when the policy allows it), no credentials in the URL, and a literal IP only when it is
 * public. Host names are checked again on every request, against every address they resolve to.
 */
export function checkOutboundUrl(text: string, policy: UrlPolicy): UrlCheck {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return { ok: false, reason: 'is not an absolute URL' };
  }
  if (url.username || url.password) return { ok: false, reason: 'must not carry credentials' };
  const host = url.hostname;
  const loopbackHost = host === 'localhost' || classifyAddress(host) === 'loopback';
  if (url.protocol === 'http:') {
    if (policy.allowLoopbackHttp && loopbackHost) return { ok: true, url };
    return {
      ok: false,
      reason: policy.allowLoopbackHttp
        ? 'must use https (plain http is allowed only to 127.0.0.1 locally)'
        : 'must use https',
    };
  }
  if (url.protocol !== 'https:') return { ok: false, reason: 'must use https' };
  if (loopbackHost) {
    return policy.allowLoopbackHttp
      ? { ok: true, url }
      : { ok: false, reason: 'must not point at a loopback address' };
  }
  if (looksLikeIp(host) && classifyAddress(host) !== 'public') {
    return { ok: false, reason: 'must not point at a private, link-local or reserved address' };
  }
  if (!host.includes('.') && !looksLikeIp(host)) {
    return { ok: false, reason: 'must name a public host (a fully qualified domain name)' };
  }
  return { ok: true, url };
}
