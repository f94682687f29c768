/**
 * Files an inbound channel message links to (chat uploads, MMS media, a webhook's attachment URLs). Deskless
 * downloads them — the links often expire — within limits, and keeps them in the mail bucket beside the email
 * attachments. A file that cannot be kept never fails the message: it is listed with the reason instead.
 */

import type { AttachmentMeta } from '../model.ts';
import { type BlobStore, RemoteFileError, type RemoteFiles } from '../ports.ts';

export const LINKED_ATTACHMENT_LIMITS = {
  maxPerMessage: 5,
  maxBytes: 10 * 1024 * 1024,
  maxBytesPerMessage: 25 * 1024 * 1024,
  /**
   * For all of a message's downloads together (they run at once), storing included. The sender waits for the
   * acknowledgement, which comes only after the message is stored, and the API function stops at 15 s: 8 s
   * leaves the rest for the reads and the ticket write (and their retries), so a slow file server can cost a
   * file, never the message.
   */
  deadlineMs: 8_000,
} as const;

export interface LinkedAttachment {
  readonly url: string;
  readonly filename?: string | undefined;
  readonly contentType?: string | undefined;
}

/** Content types a customer's download would run, not open; never kept. */
const EXECUTABLE_TYPES = new Set([
  'application/x-msdownload',
  'application/x-msdos-program',
  'application/x-dosexec',
  'application/x-executable',
  'application/x-elf',
  'application/x-mach-binary',
  'application/x-sharedlib',
  'application/vnd.microsoft.portable-executable',
  'application/x-ms-installer',
  'application/x-msi',
  'application/x-ms-shortcut',
  'application/x-sh',
  'application/x-csh',
  'application/x-shellscript',
  'text/x-shellscript',
  'application/x-bat',
  'application/x-msbatch',
  'application/java-archive',
  'application/x-java-archive',
  'application/vnd.android.package-archive',
  'application/x-apple-diskimage',
  'application/hta',
  'application/x-ms-application',
  'text/javascript',
  'application/javascript',
  'text/vbscript',
  'application/x-vbscript',
  'application/x-powershell',
]);

const EXECUTABLE_EXTENSIONS =
  /\.(exe|dll|com|scr|pif|cpl|msi|msp|bat|cmd|ps1|psm1|vbs|vbe|js|jse|wsf|wsh|hta|jar|apk|app|dmg|sh|bash|csh|ksh|lnk|reg|elf|run)$/i;

const baseType = (contentType: string | null | undefined) =>
  (contentType ?? '').split(';')[0]!.trim().toLowerCase();

/** Why a file is executable, or null: its declared or served type, its name, or its first bytes. */
export function executableReason(
  filename: string,
  contentTypes: readonly (string | null | undefined)[],
  content: Uint8Array | null,
): string | null {
  const type = contentTypes.map(baseType).find((t) => EXECUTABLE_TYPES.has(t));
  if (type) return `executable content type ${type}`;
  if (EXECUTABLE_EXTENSIONS.test(filename)) return `executable file name ${filename}`;
  if (content && content.length >= 4) {
    const [a, b, c, d] = content;
    if (a === 0x4d && b === 0x5a) return 'a Windows executable (MZ header)';
    if (a === 0x7f && b === 0x45 && c === 0x4c && d === 0x46) return 'an ELF executable';
    const magic = ((a! << 24) | (b! << 16) | (c! << 8) | d!) >>> 0;
    if ([0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic)) {
      return 'a Mach-O executable or Java class';
    }
    if (a === 0x23 && b === 0x21) return 'a script (#! line)';
  }
  return null;
}

/** The name a file is listed under: the given one, else the URL's last path segment. */
export function attachmentName(attachment: LinkedAttachment): string {
  const given = attachment.filename?.trim();
  if (given) return given.slice(0, 255);
  try {
    const last = new URL(attachment.url).pathname.split('/').filter(Boolean).pop();
    if (last) return decodeURIComponent(last).slice(0, 255);
  } catch {
    // Not a URL we can read a name from: the generic name below.
  }
  return 'attachment';
}

const mb = (bytes: number) => `${bytes / 1024 / 1024} MB`;

export interface KeptAttachments {
  /** Every linked file, kept (`key`) or not (`key: null`, `dropped` says why). */
  readonly attachments: AttachmentMeta[];
  /** The ones not kept, for the ticket's internal note. */
  readonly refused: { readonly name: string; readonly url: string; readonly reason: string }[];
}

/** A download still running when the message's deadline passes: the file is listed as not kept. */
export const UNFINISHED_DOWNLOAD = 'download did not finish in time';

/**
 * Downloads and stores a message's linked files, all at once, within LINKED_ATTACHMENT_LIMITS and under one
 * deadline for the lot (`deadlineMs`, by default `LINKED_ATTACHMENT_LIMITS.deadlineMs`): a file still
 * downloading (or being stored) then is refused with UNFINISHED_DOWNLOAD and no longer awaited. Each file is
 * stored as soon as it is in; the per-message byte limit takes them in the order they arrive. `keyPrefix` is
 * unique to the message (derived from its delivery id), so a redelivery overwrites the same objects rather
 * than adding copies.
 */
export async function keepLinkedAttachments(
  deps: {
    readonly files: RemoteFiles;
    readonly blobs: BlobStore;
  },
  keyPrefix: string,
  linked: readonly LinkedAttachment[],
  deadlineMs: number = LINKED_ATTACHMENT_LIMITS.deadlineMs,
): Promise<KeptAttachments> {
  const limits = LINKED_ATTACHMENT_LIMITS;
  type Refusal = { readonly dropped: string; readonly size?: number; readonly contentType?: string };
  type Outcome = Refusal | { readonly kept: AttachmentMeta };
  let total = 0;

  const keep = async (attachment: LinkedAttachment, name: string, index: number): Promise<Outcome> => {
    const declared = attachment.contentType ?? null;
    const before = executableReason(name, [declared], null);
    if (before) return { dropped: `${before} is not accepted` };
    let file: { content: Uint8Array; contentType: string | null };
    try {
      file = await deps.files.fetch(attachment.url, {
        // Downloads run at once: each may take the message's whole allowance, checked as they arrive.
        maxBytes: Math.min(limits.maxBytes, limits.maxBytesPerMessage),
        timeoutMs: deadlineMs,
      });
    } catch (error) {
      if (!(error instanceof RemoteFileError)) throw error;
      return {
        dropped: /larger than/.test(error.reason) ? `larger than ${mb(limits.maxBytes)}` : error.reason,
      };
    }
    const size = file.content.byteLength;
    const contentType = baseType(file.contentType) || baseType(declared) || 'application/octet-stream';
    const after = executableReason(name, [declared, file.contentType], file.content);
    if (after) return { dropped: `${after} is not accepted`, size, contentType };
    if (total + size > limits.maxBytesPerMessage) {
      return {
        dropped: `the message's attachments exceed ${mb(limits.maxBytesPerMessage)}`,
        size,
        contentType,
      };
    }
    total += size;
    const safeName = name.replace(/[^\w.-]+/g, '_').slice(-100) || 'attachment';
    const key = `${keyPrefix}${index}-${safeName}`;
    await deps.blobs.put(key, file.content, contentType);
    return { kept: { filename: name, contentType, size, key, inline: false } };
  };

  const names = linked.map(attachmentName);
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<Refusal>((resolve) => {
    timer = setTimeout(() => resolve({ dropped: UNFINISHED_DOWNLOAD }), deadlineMs);
  });
  let outcomes: Outcome[];
  try {
    outcomes = await Promise.all(
      linked.map((attachment, index): Outcome | Promise<Outcome> =>
        index >= limits.maxPerMessage
          ? { dropped: `a message keeps at most ${limits.maxPerMessage} attachments` }
          : // Whichever comes first: the file kept (or refused), or the deadline; a late one is abandoned.
            Promise.race([keep(attachment, names[index]!, index), late]),
      ),
    );
  } finally {
    clearTimeout(timer);
  }

  const attachments: AttachmentMeta[] = [];
  const refused: KeptAttachments['refused'] = [];
  for (const [index, outcome] of outcomes.entries()) {
    if ('kept' in outcome) {
      attachments.push(outcome.kept);
      continue;
    }
    const attachment = linked[index]!;
    const name = names[index]!;
    const reason = outcome.dropped;
    attachments.push({
      filename: name,
      contentType: outcome.contentType ?? attachment.contentType ?? 'application/octet-stream',
      size: outcome.size ?? 0,
      key: null,
      inline: false,
      dropped: reason,
    });
    refused.push({ name, url: attachment.url, reason });
  }
  return { attachments, refused };
}
