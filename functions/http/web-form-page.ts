import { escapeHtml, htmlDocument } from './html-page.ts';

/**
 * The page `GET /v1/forms/{id}` serves: a contact form a tenant can link to (or frame) as is. Self-contained
 * (inline styles, no script, no outside resource), labelled for screen readers, usable with a keyboard, and
 * with a honeypot field (`website`) that people neither see nor reach, while form-filling bots fill it in.
 */

const STYLE = `
  :root { color-scheme: light dark; font-family: system-ui, -apple-system, "Segoe UI", sans-serif; }
  body { margin: 0; padding: 1.5rem; line-height: 1.5; }
  main { max-width: 36rem; margin: 0 auto; }
  h1 { font-size: 1.5rem; margin: 0 0 1rem; }
  label { display: block; font-weight: 600; margin-top: 1rem; }
  .hint { font-weight: 400; font-size: 0.875rem; opacity: 0.8; }
  input, textarea { box-sizing: border-box; width: 100%; font: inherit; padding: 0.5rem; margin-top: 0.25rem;
    border: 1px solid #767676; border-radius: 0.25rem; }
  textarea { min-height: 10rem; resize: vertical; }
  input:focus, textarea:focus, button:focus { outline: 3px solid #1a73e8; outline-offset: 1px; }
  button { margin-top: 1.25rem; font: inherit; font-weight: 600; padding: 0.6rem 1.4rem; border: 0;
    border-radius: 0.25rem; background: #1a56db; color: #fff; cursor: pointer; }
  .trap { position: absolute; left: -10000px; top: auto; width: 1px; height: 1px; overflow: hidden; }
`;

const page = (title: string, content: string) => htmlDocument(title, STYLE, content);

/**
 * The form, posting (urlencoded) to `action`, the form's own public URL. `repliesByEmail`: the tenant has a
 * support mailbox, so agents' replies are mailed; otherwise the page promises no email reply.
 */
export function webFormPage(name: string, action: string, repliesByEmail: boolean): string {
  return page(
    name,
    `<h1>${escapeHtml(name)}</h1>
<form method="post" action="${escapeHtml(action)}" accept-charset="utf-8">
  <label for="name">Your name <span class="hint">(optional)</span></label>
  <input id="name" name="name" type="text" autocomplete="name" maxlength="200">
  <label for="email">Email <span class="hint">(${repliesByEmail ? 'we reply here' : 'so we can get back to you'})</span></label>
  <input id="email" name="email" type="email" autocomplete="email" maxlength="254" required>
  <label for="subject">Subject <span class="hint">(optional)</span></label>
  <input id="subject" name="subject" type="text" maxlength="200">
  <label for="message">Message</label>
  <textarea id="message" name="message" required maxlength="65536"></textarea>
  <div class="trap" aria-hidden="true">
    <label for="website">Leave this field empty</label>
    <input id="website" name="website" type="text" tabindex="-1" autocomplete="off">
  </div>
  <button type="submit">Send</button>
</form>`,
  );
}

/** What a person sees after sending (and, identically, a bot that filled the honeypot). */
export function webFormThanksPage(repliesByEmail: boolean): string {
  return page(
    'Message received',
    `<h1>Thank you</h1>
<p role="status">We received your message and will ${repliesByEmail ? 'reply by email' : 'get back to you'}.</p>`,
  );
}
