import { describe, expect, it } from 'vitest';
import { literalHostRefusal, refusedAddressKind, resolveAllowed } from './address-policy.js';

describe('webhook address policy (SSRF guard)', () => {
  it.each([
    ['127.0.0.1', 'loopback'],
    ['127.255.0.9', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.5.4', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.1.1', 'private'],
    ['100.64.0.1', 'private'],
    ['fd12:3456::1', 'private'],
    ['fc00::1', 'private'],
    ['169.254.169.254', 'link-local'],
    ['fe80::1', 'link-local'],
    ['fe80::1%eth0', 'link-local'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.251', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    // IPv4 reached through IPv6 forms is judged as the IPv4 address.
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:7f00:1', 'loopback'],
    ['::ffff:a9fe:a9fe', 'link-local'],
    ['64:ff9b::10.0.0.1', 'private'],
    ['2002:c0a8:0101::1', 'private'],
  ])('refuses %s as %s', (address, kind) => {
    expect(refusedAddressKind(address)).toBe(kind);
  });

  it.each(['8.8.8.8', '172.32.0.1', '172.15.255.255', '192.169.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', '2002:0808:0808::1'])('allows public %s', (address) => {
    expect(refusedAddressKind(address)).toBeNull();
  });

  it('checks literal hosts of URLs at create time, and leaves names to delivery time', () => {
    expect(literalHostRefusal(new URL('http://127.0.0.1:8080/hook'))).toBe('127.0.0.1 is a loopback address');
    // WHATWG URL parsing normalizes these spellings; the check sees the normalized address.
    expect(literalHostRefusal(new URL('http://[::ffff:127.0.0.1]/'))).toMatch(/loopback/);
    expect(literalHostRefusal(new URL('http://2130706433/'))).toMatch(/loopback/);
    expect(literalHostRefusal(new URL('http://0x7f.1/'))).toMatch(/loopback/);
    expect(literalHostRefusal(new URL('https://[fe80::1]/'))).toMatch(/link-local/);
    expect(literalHostRefusal(new URL('https://93.184.215.14/'))).toBeNull();
    expect(literalHostRefusal(new URL('http://localhost:1234/'))).toBeNull();
  });

  it('refuses a name that resolves to a loopback address, after DNS', async () => {
    await expect(resolveAllowed('localhost')).rejects.toThrow(/refused: localhost resolves to .*loopback/);
    await expect(resolveAllowed('127.0.0.1')).rejects.toThrow(/loopback/);
    await expect(resolveAllowed('8.8.8.8')).resolves.toEqual([{ address: '8.8.8.8', family: 4 }]);
  });
});
