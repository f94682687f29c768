import { describe, expect, it } from 'vitest';
import { hmacSigner } from '../../../functions/adapters/reply-signer.ts';
import {
  cleanSubject,
  outboundSubject,
  parseRecipient,
  replyAddress,
  subjectTicketNumber,
  verifyReplyTag,
} from '../../../functions/core/email/addresses.ts';
import { candidateMessageIds, decideThread } from '../../../functions/core/email/threading.ts';

const signer = hmacSigner('s3cret');

describe('addresses', () => {
  it('parses plus tags and lower-cases', () => {
    expect(parseRecipient('Support+42.abc@Acme.TEST')).toEqual({
      mailbox: 'support@acme.test',
      tag: '42.abc',
    });
    expect(parseRecipient('not an address')).toBeNull();
  });

  it('signs reply addresses per tenant and ticket', () => {
    const address = replyAddress(signer, 'acme', 'support@acme.test', 42);
    const tag = parseRecipient(address)!.tag;
    expect(verifyReplyTag(signer, 'acme', tag)).toBe(42);
    expect(verifyReplyTag(signer, 'globex', tag)).toBeNull();
    expect(verifyReplyTag(signer, 'acme', tag!.replace(/^42/, '43'))).toBeNull();
    expect(verifyReplyTag(hmacSigner('other'), 'acme', tag)).toBeNull();
  });

  it('reads and writes subject tokens', () => {
    expect(subjectTicketNumber('Re: [#12] Printer [#1042]')).toBe(1042);
    expect(subjectTicketNumber('#1042 without brackets')).toBeNull();
    expect(outboundSubject('Re: [#7] Broken', 7, true)).toBe('Re: [#7] Broken');
    expect(cleanSubject('RE: AW: Fwd: [#7] Broken')).toBe('Broken');
  });
});

describe('threading order', () => {
  const base = {
    inReplyTo: [],
    references: [],
    knownMessages: new Map(),
    signedReplyTo: null,
    subject: null,
    sender: 'a@b.test',
  };
  it('prefers In-Reply-To over References over the reply address over the subject', () => {
    const known = new Map([
      ['r1', 1],
      ['r2', 2],
      ['irt', 3],
    ]);
    expect(
      decideThread({
        ...base,
        knownMessages: known,
        inReplyTo: ['irt'],
        references: ['r1', 'r2'],
        signedReplyTo: 9,
      }),
    ).toEqual({
      kind: 'existing',
      number: 3,
      via: 'in-reply-to',
    });
    expect(decideThread({ ...base, knownMessages: known, references: ['r1', 'r2'] })).toMatchObject({
      number: 2,
      via: 'references',
    });
    expect(
      decideThread({ ...base, signedReplyTo: 9, subject: { number: 5, allowedSenders: ['a@b.test'] } }),
    ).toMatchObject({ number: 9 });
    expect(decideThread({ ...base, subject: { number: 5, allowedSenders: ['x@y.test'] } })).toEqual({
      kind: 'new',
    });
    expect(candidateMessageIds(['a'], ['b', 'c', 'a'])).toEqual(['a', 'c', 'b']);
  });
});
