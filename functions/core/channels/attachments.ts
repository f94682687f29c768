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
  /** Per download, for the whole exchange: the sender waits for the acknowledgement. */
  timeoutMs: 5_000,
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

/**
 * Downloads and stores a message's linked files, one after the other, within LINKED_ATTACHMENT_LIMITS.
 * `keyPrefix` is unique to the message (derived from its delivery id), so a redelivery overwrites the same
 * objects rather than adding copies.
 */
export async function keepLinkedAttachments(
  deps: {
    readonly files: RemoteFiles;
    readonly blobs: BlobStore;
  },
  keyPrefix: string,
  linked: readonly LinkedAttachment[],
): Promise<KeptAttachments> {
  const limits = LINKED_ATTACHMENT_LIMITS;
  const attachments: AttachmentMeta[] = [];
  const refused: KeptAttachments['refused'] = [];
  let total = 0;
  for (const [index, attachment] of linked.entries()) {
    const name = attachmentName(attachment);
    const declared = attachment.contentType ?? null;
    const drop = (reason: string, size = 0, contentType = declared) => {
      attachments.push({
        filename: name,
        contentType: contentType ?? 'application/octet-stream',
        size,
        key: null,
        inline: false,
        dropped: reason,
      });
      refused.push({ name, url: attachment.url, reason });
    };
    if (index >= limits.maxPerMessage) {
      drop(`a message keeps at most ${limits.maxPerMessage} attachments`);
      continue;
    }
    const before = executableReason(name, [declared], null);
    if (before) {
      drop(`${before} is not accepted`);
      continue;
    }
    const room = limits.maxBytesPerMessage - total;
    if (room <= 0) {
      drop(`the message's attachments exceed ${mb(limits.maxBytesPerMessage)}`);
      continue;
    }
    let file: { content: Uint8Array; contentType: string | null };
    try {
      file = await deps.files.fetch(attachment.url, {
        maxBytes: Math.min(limits.maxBytes, room),
        timeoutMs: limits.timeoutMs,
      });
    } catch (error) {
      if (!(error instanceof RemoteFileError)) throw error;
      const tooLarge = /larger than/.test(error.reason);
      drop(
        tooLarge && room < limits.maxBytes
          ? `the message's attachments exceed ${mb(limits.maxBytesPerMessage)}`
          : tooLarge
            ? `larger than ${mb(limits.maxBytes)}`
            : error.reason,
      );
      continue;
    }
    const contentType = baseType(file.contentType) || baseType(declared) || 'application/octet-stream';
    const after = executableReason(name, [declared, file.contentType], file.content);
    if (after) {
      drop(`${after} is not accepted`, file.content.byteLength, contentType);
      continue;
    }
    total += file.content.byteLength;
    const safeName = name.replace(/[^\w.-]+/g, '_').slice(-100) || 'attachment';
    const key = `${keyPrefix}${index}-${safeName}`;
    await deps.blobs.put(key, file.content, contentType);
    attachments.push({ filename: name, contentType, size: file.content.byteLength, key, inline: false });
  }
  return { attachments, refused };
}
