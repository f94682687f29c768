/** Who a customer is: identities are normalised so the same person writing again maps to the same profile. */

export interface Identity {
  readonly email?: string | null | undefined;
  readonly phone?: string | null | undefined;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

/** E.164: `+` then 8 to 15 digits. Separators people type (spaces, dashes, dots, brackets) are dropped. */
export function normalizePhone(phone: string): string | null {
  const compact = phone.trim().replace(/[\s\-().]/g, '');
  return /^\+[1-9]\d{7,14}$/.test(compact) ? compact : null;
}

/**
 * Mail providers whose domain says nothing about the customer's employer; customers writing from them get no
 * organisation. Every other domain is taken as the organisation.
 */
const PUBLIC_MAIL_DOMAINS = new Set([
  'gmail.com',
  'googlemail.com',
  'outlook.com',
  'hotmail.com',
  'live.com',
  'msn.com',
  'yahoo.com',
  'ymail.com',
  'icloud.com',
  'me.com',
  'mac.com',
  'aol.com',
  'proton.me',
  'protonmail.com',
  'gmx.de',
  'gmx.net',
  'gmx.com',
  'web.de',
  'mail.ru',
  'yandex.ru',
  'qq.com',
  '163.com',
  'zoho.com',
  'fastmail.com',
  'hey.com',
]);

export function organizationOf(email: string | null): string | null {
  if (!email) return null;
  const domain = email.slice(email.lastIndexOf('@') + 1).toLowerCase();
  if (!domain || PUBLIC_MAIL_DOMAINS.has(domain)) return null;
  return domain;
}
