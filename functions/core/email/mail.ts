/**
 * An inbound email as the intake sees it, after MIME parsing (adapters/mime). Everything here is decoded:
 * header words, charsets, transfer encodings. Addresses are lower-cased.
 */
export interface MailAddress {
  readonly address: string;
  /** Display name, decoded; null when the header had none. */
  readonly name: string | null;
}

export interface MailAttachment {
  readonly filename: string;
  readonly contentType: string;
  readonly size: number;
  /** Inline parts referenced from the HTML (`cid:`), e.g. pasted screenshots. */
  readonly inline: boolean;
  readonly contentId: string | null;
  readonly content: Uint8Array;
}

export interface ParsedMail {
  /** Message-ID without angle brackets; null when the mail has none. */
  readonly messageId: string | null;
  /** In-Reply-To ids, without angle brackets. */
  readonly inReplyTo: readonly string[];
  /** References ids, oldest first as in the header, without angle brackets. */
  readonly references: readonly string[];
  readonly from: MailAddress | null;
  readonly replyTo: readonly MailAddress[];
  readonly to: readonly MailAddress[];
  readonly cc: readonly MailAddress[];
  /** Delivered-To and X-Original-To values: where the mail was really delivered. */
  readonly deliveredTo: readonly string[];
  readonly returnPath: string | null;
  readonly subject: string;
  /** Date header as ISO-8601, null when absent or unparsable. */
  readonly date: string | null;
  /** The whole text: the text/plain part, or the HTML turned into text when there is none. */
  readonly text: string;
  /** The HTML part after sanitising (safe to display), null when the mail had no HTML. */
  readonly html: string | null;
  /** What goes on the ticket as the comment: `text` without the quoted reply history and the signature. */
  readonly body: string;
  readonly attachments: readonly MailAttachment[];
  /** All headers, names lower-cased, values decoded, in order of appearance. */
  readonly headers: ReadonlyMap<string, readonly string[]>;
  /** Top-level Content-Type, lower-cased, without parameters (e.g. `multipart/report`). */
  readonly contentType: string;
  /** For a multipart/report delivery-status notification: the Message-ID of the mail that bounced, if found. */
  readonly bouncedMessageId: string | null;
}

/** Why the intake must not answer a mail automatically (RFC 3834 and the de-facto headers), or null. */
export type AutomatedKind = 'auto_reply' | 'bounce' | 'bulk';

export interface AutomatedVerdict {
  readonly kind: AutomatedKind;
  /** The header or rule that decided, e.g. `Auto-Submitted: auto-replied`. */
  readonly reason: string;
}
