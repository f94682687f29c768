import { describe, expect, it } from 'vitest';
import { stripQuotedReply } from '../../../functions/core/email/quotes.ts';

const lines = (...text: string[]) => text.join('\n');

describe('stripQuotedReply: attribution lines', () => {
  it.each([
    ['English (Gmail)', 'On Mon, Mar 2, 2026 at 10:00 AM Support <support@acme.test> wrote:'],
    ['English (Apple Mail)', 'On 2 Mar 2026, at 10:00, Support <support@acme.test> wrote:'],
    ['German', 'Am 02.03.2026 um 10:00 schrieb Support <support@acme.test>:'],
    ['German (Thunderbird)', 'Am 07.05.2012 08:10, schrieb Martin Edenhofer via Znuny Team:'],
    ['French', 'Le lun. 2 mars 2026 à 10:00, Support <support@acme.test> a écrit :'],
    ['Spanish', 'El lun, 2 mar 2026 a las 10:00, Support (<support@acme.test>) escribió:'],
    ['Dutch', 'Op ma 2 mrt. 2026 om 10:00 schreef Support <support@acme.test>:'],
  ])('cuts at the %s attribution', (_language, attribution) => {
    const text = lines(
      'Danke, es geht wieder.',
      '',
      attribution,
      '> Bitte neu starten.',
      '>',
      '> Ihr Support',
    );
    expect(stripQuotedReply(text)).toBe('Danke, es geht wieder.');
  });

  it('cuts at an attribution Gmail wrapped over two lines', () => {
    const text = lines(
      'Thanks!',
      '',
      'On Mon, Mar 2, 2026 at 10:00 AM Very Long Support Team Name <',
      'support@acme.test> wrote:',
      '> Please restart.',
    );
    expect(stripQuotedReply(text)).toBe('Thanks!');
  });

  it('cuts at the attribution when the quote below it is not marked with ">" (HTML mail as text)', () => {
    const text = lines(
      'Yes, please.',
      '',
      'On Mon, Mar 2, 2026 at 10:00 AM Support <support@acme.test> wrote:',
      'Shall we?',
    );
    expect(stripQuotedReply(text)).toBe('Yes, please.');
  });

  it('keeps a bottom-posted answer and drops the quote above it', () => {
    const text = lines(
      'Am 07.05.2012 08:10, schrieb Martin:',
      '> Hallo Marc,',
      '> passt Montag?',
      '',
      'Ja, Montag passt.',
      '',
      'Marc',
    );
    expect(stripQuotedReply(text)).toBe('Ja, Montag passt.\n\nMarc');
  });

  it('keeps inline answers together with the quotes they answer', () => {
    const text = lines(
      'Ann Example wrote:',
      '> Which printer?',
      'The one on floor 2.',
      '> Since when?',
      'Since Monday.',
    );
    expect(stripQuotedReply(text)).toBe(text);
  });

  it('does not treat prose ending in "wrote:" as an attribution', () => {
    const text = lines('This is what the error dialog wrote:', 'Access denied (0x5)');
    expect(stripQuotedReply(text)).toBe(text);
  });
});

describe('stripQuotedReply: Outlook', () => {
  it('cuts at -----Original Message----- and its translations', () => {
    for (const rule of [
      '-----Original Message-----',
      '-----Ursprüngliche Nachricht-----',
      "-----Message d'origine-----",
    ]) {
      expect(stripQuotedReply(lines('Done.', '', rule, 'From: Support', 'Sent: Monday', 'Old text'))).toBe(
        'Done.',
      );
    }
  });

  it('cuts at a From:/Sent: header block, in English, German and Spanish', () => {
    const english = lines(
      'See attached.',
      '',
      'From: Support <support@acme.test>',
      'Sent: Monday, March 2, 2026 10:00 AM',
      'To: Ann',
      'Subject: Printer',
      '',
      'Old',
    );
    expect(stripQuotedReply(english)).toBe('See attached.');
    const german = lines(
      'Anbei.',
      '',
      'Von: Support <support@acme.test>',
      'Gesendet: Montag, 2. März 2026 10:00',
      'An: Ann',
      'Betreff: Drucker',
    );
    expect(stripQuotedReply(german)).toBe('Anbei.');
    const spanish = lines('Adjunto.', '', '*De:* Soporte', '*Enviado el:* lunes', '*Para:* Ann');
    expect(stripQuotedReply(spanish)).toBe('Adjunto.');
  });

  it('cuts at the Lotus Notes "Name --- Subject ---" line above a header block', () => {
    const text = lines(
      'Mfg eike',
      '',
      'Martin via Support --- Installation [Ticket#11392] ---',
      '',
      'Von: "Martin via Support" <support@example.com>',
      'An eike@example.com',
      'Datum: Mi., 13.06.2012 14:30',
      'Betreff Installation [Ticket#11392]',
    );
    expect(stripQuotedReply(text)).toBe('Mfg eike');
  });

  it('cuts at the underscore rule above a header block', () => {
    const text = lines(
      'Merci.',
      '',
      '________________________________',
      'De : Support',
      'Envoyé : lundi 2 mars 2026',
      'Objet : Imprimante',
    );
    expect(stripQuotedReply(text)).toBe('Merci.');
  });
});

describe('stripQuotedReply: trailing quotes and signatures', () => {
  it('drops a trailing block of ">" lines without an attribution', () => {
    expect(stripQuotedReply(lines('Sure.', '', '> Can you call me?', '>', '> Ann'))).toBe('Sure.');
  });

  it('cuts at the RFC 3676 signature delimiter, with or without its trailing space', () => {
    expect(stripQuotedReply(lines('Fixed.', '', '-- ', 'Ann Example', 'ACME Ltd'))).toBe('Fixed.');
    expect(stripQuotedReply(lines('Fixed.', '--', 'Ann Example'))).toBe('Fixed.');
  });

  it.each([
    'Sent from my iPhone',
    'Von meinem iPhone gesendet',
    'Envoyé de mon iPad',
    'Enviado desde mi iPhone',
    'Verzonden vanaf mijn iPhone',
    'Get Outlook for Android',
    'Sent from my Samsung Galaxy smartphone.',
  ])('cuts at the mobile signature "%s"', (signature) => {
    expect(stripQuotedReply(lines('On my way.', '', signature))).toBe('On my way.');
  });

  it('keeps a dash line that is part of the text', () => {
    const text = lines('Steps:', '--verbose flag', 'then restart');
    expect(stripQuotedReply(text)).toBe(text);
  });
});

describe('stripQuotedReply: never empty', () => {
  it('returns the original text, trimmed, when stripping would remove everything', () => {
    expect(stripQuotedReply(lines('', '> only a quote', '> nothing new', ''))).toBe(
      '> only a quote\n> nothing new',
    );
    expect(stripQuotedReply(lines('-- ', 'Only a signature'))).toBe('-- \nOnly a signature');
    expect(stripQuotedReply('')).toBe('');
  });

  it('normalises CRLF', () => {
    expect(stripQuotedReply('Thanks\r\n\r\n> old\r\n')).toBe('Thanks');
  });
});
