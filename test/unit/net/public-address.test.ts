import { describe, expect, it } from 'vitest';
import {
  AWS_URL_POLICY,
  addressAllowed,
  checkOutboundUrl,
  classifyAddress,
  type UrlPolicy,
} from '../../../functions/core/net/public-address.ts';

/** The SSRF guard's static half: which addresses are the public internet, and which URLs may be saved. */
const LOCAL_POLICY: UrlPolicy = { allowLoopbackHttp: true };

describe('classifyAddress', () => {
  it.each([
    ['8.8.8.8', 'public'],
    ['1.1.1.1', 'public'],
    ['93.184.216.34', 'public'],
    ['100.63.255.255', 'public'],
    ['100.128.0.1', 'public'],
    ['172.15.255.255', 'public'],
    ['172.32.0.1', 'public'],
    ['169.253.1.1', 'public'],
    ['223.255.255.255', 'public'],
  ])('%s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['0.0.0.0', 'private'],
    ['10.0.0.1', 'private'],
    ['10.255.255.255', 'private'],
    ['100.64.0.1', 'private'], // carrier-grade NAT
    ['100.127.255.255', 'private'],
    ['169.254.169.254', 'private'], // the instance metadata service
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['192.0.0.8', 'private'],
    ['192.0.2.1', 'private'], // TEST-NET-1
    ['198.18.0.1', 'private'], // benchmarking
    ['198.51.100.7', 'private'], // TEST-NET-2
    ['203.0.113.9', 'private'], // TEST-NET-3
    ['224.0.0.1', 'private'], // multicast
    ['240.0.0.1', 'private'], // reserved
    ['255.255.255.255', 'private'], // broadcast
  ])('IPv4 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['::1', 'loopback'],
    ['[::1]', 'loopback'],
    ['0:0:0:0:0:0:0:1', 'loopback'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::', 'private'],
    ['fc00::1', 'private'], // unique local
    ['fd12:3456:789a::1', 'private'],
    ['fe80::1', 'private'], // link-local
    ['fe80::1%eth0', 'private'], // with a zone
    ['ff02::1', 'private'], // multicast
    ['2001:db8::1', 'private'], // documentation
    ['::ffff:10.0.0.1', 'private'], // IPv4-mapped private
    ['::ffff:169.254.169.254', 'private'], // IPv4-mapped metadata service
    ['::ffff:a9fe:a9fe', 'private'], // the same, in hex
    ['64:ff9b::192.168.0.1', 'private'], // NAT64 of a private address
    ['fd00:ec2::254', 'private'], // the metadata service over IPv6
    ['2606:4700:4700::1111', 'public'],
    ['[2a00:1450:4001:80b::200e]', 'public'],
    ['::ffff:8.8.8.8', 'public'],
    ['64:ff9b::8.8.8.8', 'public'],
  ])('IPv6 %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    ['2002:a9fe:a9fe::', 'private'], // 6to4 of 169.254.169.254, the metadata service
    ['2002:a9fe:a9fe:1::1', 'private'],
    ['2002:7f00:1::', 'private'], // 6to4 of 127.0.0.1: not loopback here, and never allowed
    ['2002:a00:1::', 'private'], // 6to4 of 10.0.0.1
    ['2002:c0a8:101::', 'private'], // 6to4 of 192.168.1.1
    ['2002:c058:6301::', 'private'], // 6to4 of the 6to4 relay 192.88.99.1
    ['2002:808:808::1', 'public'], // 6to4 of 8.8.8.8
    ['2001::1', 'private'], // Teredo 2001:0::/32
    ['2001:0:4136:e378:8000:63bf:3fff:fdd2', 'private'],
    ['2001:1::1', 'public'], // just outside Teredo (global unicast)
    ['192.88.99.1', 'private'], // the 6to4 relay anycast
    ['192.88.98.1', 'public'],
    ['::ffff:192.88.99.1', 'private'],
  ])('tunnels: %s is %s', (address, kind) => {
    expect(classifyAddress(address)).toBe(kind);
  });

  it.each([
    'example.com',
    'localhost',
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4x',
    '1::2::3',
    '12345::1',
    'g::1',
    '::ffff:999.0.0.1',
    '',
  ])('%j is no address', (text) => {
    expect(classifyAddress(text)).toBe('invalid');
  });
});

describe('addressAllowed', () => {
  it('allows only public addresses under the AWS policy', () => {
    expect(addressAllowed('8.8.8.8', AWS_URL_POLICY)).toBe(true);
    expect(addressAllowed('127.0.0.1', AWS_URL_POLICY)).toBe(false);
    expect(addressAllowed('::1', AWS_URL_POLICY)).toBe(false);
    expect(addressAllowed('10.1.2.3', AWS_URL_POLICY)).toBe(false);
    expect(addressAllowed('not an address', AWS_URL_POLICY)).toBe(false);
  });

  it('allows loopback, and still nothing private, under the local policy', () => {
    expect(addressAllowed('127.0.0.1', LOCAL_POLICY)).toBe(true);
    expect(addressAllowed('::1', LOCAL_POLICY)).toBe(true);
    expect(addressAllowed('192.168.0.10', LOCAL_POLICY)).toBe(false);
    expect(addressAllowed('169.254.169.254', LOCAL_POLICY)).toBe(false);
  });
});

describe('checkOutboundUrl', () => {
  const reason = (url: string, policy: UrlPolicy = AWS_URL_POLICY) => {
    const check = checkOutboundUrl(url, policy);
    return check.ok ? null : check.reason;
  };

  it('accepts https to a public host or a public IP address', () => {
    const check = checkOutboundUrl('https://hooks.example.com/deskless?x=1', AWS_URL_POLICY);
    expect(check.ok && check.url.hostname).toBe('hooks.example.com');
    expect(reason('https://93.184.216.34/hook')).toBeNull();
    expect(reason('https://[2606:4700:4700::1111]/hook')).toBeNull();
    expect(reason('https://hooks.example.com:8443/x')).toBeNull();
  });

  it('refuses what is not an absolute https URL', () => {
    expect(reason('hooks.example.com/x')).toBe('is not an absolute URL');
    expect(reason('/relative')).toBe('is not an absolute URL');
    expect(reason('http://hooks.example.com/x')).toBe('must use https');
    expect(reason('ftp://hooks.example.com/x')).toBe('must use https');
    expect(reason('file:///etc/passwd')).toBe('must use https');
    expect(reason('javascript:alert(1)')).toBe('must use https');
  });

  it('refuses credentials in the URL', () => {
    expect(reason('https://user:pass@hooks.example.com/')).toBe('must not carry credentials');
    expect(reason('https://user@hooks.example.com/')).toBe('must not carry credentials');
  });

  it('refuses loopback, private, link-local and reserved addresses under the AWS policy', () => {
    expect(reason('https://127.0.0.1/x')).toBe('must not point at a loopback address');
    expect(reason('https://localhost/x')).toBe('must not point at a loopback address');
    expect(reason('https://[::1]/x')).toBe('must not point at a loopback address');
    for (const host of [
      '10.0.0.5',
      '192.168.1.1',
      '169.254.169.254',
      '[fd00::1]',
      '[::ffff:10.0.0.1]',
      '0.0.0.0',
      '[2002:a9fe:a9fe::]', // 6to4 of the metadata service
      '[2001:0:a9fe:a9fe::1]', // Teredo
      '192.88.99.1', // the 6to4 relay
    ]) {
      expect(reason(`https://${host}/x`), host).toBe(
        'must not point at a private, link-local or reserved address',
      );
    }
  });

  it('refuses hosts that are no fully qualified name', () => {
    expect(reason('https://intranet/x')).toBe('must name a public host (a fully qualified domain name)');
  });

  it('reads IP addresses however they are written (the URL parser normalises them)', () => {
    // Decimal, octal and hex forms of 127.0.0.1 and 169.254.169.254 are what `new URL` turns them into.
    expect(reason('https://2130706433/x')).toBe('must not point at a loopback address');
    expect(reason('https://0x7f.1/x')).toBe('must not point at a loopback address');
    expect(reason('https://0251.0376.0251.0376/x')).toBe(
      'must not point at a private, link-local or reserved address',
    );
  });

  it('locally lets plain http reach 127.0.0.1 and localhost, and nothing else', () => {
    expect(reason('http://127.0.0.1:4000/hook', LOCAL_POLICY)).toBeNull();
    expect(reason('http://localhost:4000/hook', LOCAL_POLICY)).toBeNull();
    expect(reason('http://[::1]:4000/hook', LOCAL_POLICY)).toBeNull();
    expect(reason('https://127.0.0.1:4000/hook', LOCAL_POLICY)).toBeNull();
    expect(reason('http://hooks.example.com/hook', LOCAL_POLICY)).toBe(
      'must use https (plain http is allowed only to 127.0.0.1 locally)',
    );
    expect(reason('http://10.0.0.1/hook', LOCAL_POLICY)).toBe(
      'must use https (plain http is allowed only to 127.0.0.1 locally)',
    );
    expect(reason('https://192.168.0.2/hook', LOCAL_POLICY)).toBe(
      'must not point at a private, link-local or reserved address',
    );
  });
});
