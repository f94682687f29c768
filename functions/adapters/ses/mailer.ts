import { SESv2Client, SendEmailCommand } from '@aws-sdk/client-sesv2';
import type { OutboundMail } from '../../core/email/outbound.ts';
import type { Mailer } from '../../core/ports.ts';
import { composeMime } from './compose-mime.ts';

/** The Message-IDs SES gives sent mail: `<id>@email.amazonses.com` in us-east-1, `<id>@<region>.amazonses.com` elsewhere. */
export function sesMessageIds(sesMessageId: string, region: string): string[] {
  return [`${sesMessageId}@email.amazonses.com`, `${sesMessageId}@${region}.amazonses.com`];
}

/** Renders a decided mail as MIME and sends it raw with SES v2. */
export class SesMailer implements Mailer {
  constructor(
    private readonly client: SESv2Client,
    private readonly region: string,
  ) {}

  async send(mail: OutboundMail): Promise<{ messageIds: readonly string[] }> {
    const raw = composeMime(mail);
    const result = await this.client.send(new SendEmailCommand({ Content: { Raw: { Data: raw } } }));
    return {
      messageIds: [mail.messageId, ...(result.MessageId ? sesMessageIds(result.MessageId, this.region) : [])],
    };
  }
}

export function makeSesMailer(environment: NodeJS.ProcessEnv = process.env): SesMailer {
  const region = environment.AWS_REGION ?? 'us-east-1';
  return new SesMailer(new SESv2Client({}), region);
}
