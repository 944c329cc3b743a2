import { escapeHtml } from '../../text/plainText';
import { possessive } from '../../text/words';

/** An email in both forms ACS sends: plain text and HTML. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/**
 * A piece of a message: a paragraph, a quoted note, a button for the mail's action (its address shown
 * as text too), a link, commands, or a list.
 */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'quote'; heading: string; text: string }
  | { kind: 'button'; label: string; url: string; primary: boolean }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'code'; label: string; text: string }
  | { kind: 'list'; label: string; items: string[] }
  | { kind: 'links'; label: string; links: { label: string; url: string }[] };

/** Who sends the mail, for its header and footer. */
export interface Sender {
  partnerName: string;
  supportEmail: string;
  supportPhone?: string;
  website?: string;
}

/**
 * Customers' mails end with how to check the request is genuine and whom to ask; the partner's own
 * team's notices do not need that.
 */
export type Audience = 'customer' | 'partner';

const FONT = "font-family:'Segoe UI',Helvetica,Arial,sans-serif";
const TEXT = `${FONT};font-size:15px;line-height:22px;color:#242424`;
const SMALL = `${FONT};font-size:12px;line-height:18px;color:#616161`;

function blockHtml(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return `<p style="margin:0 0 16px;${TEXT}">${escapeHtml(block.text).replace(/\n/g, '<br>')}</p>`;
    case 'quote':
      return `<p style="margin:0 0 6px;${TEXT}">${escapeHtml(block.heading)}</p><blockquote style="margin:0 0 16px;padding:8px 12px;border-left:4px solid #c7c7c7;background:#f5f5f5;${TEXT};white-space:pre-wrap">${escapeHtml(block.text)}</blockquote>`;
    case 'button': {
      const background = block.primary ? '#0f6cbd' : '#ffffff';
      const color = block.primary ? '#ffffff' : '#0f6cbd';
      const host = safeHost(block.url);
      return `<table role="presentation" cellspacing="0" cellpadding="0" border="0" style="margin:4px 0 4px"><tr><td style="border-radius:4px;background:${background};border:1px solid #0f6cbd"><a href="${escapeHtml(block.url)}" style="display:inline-block;padding:11px 20px;${FONT};font-size:15px;font-weight:600;color:${color};text-decoration:none">${escapeHtml(block.label)}</a></td></tr></table><p style="margin:0 0 16px;${SMALL}">Opens ${escapeHtml(host)}. If the button does not work, copy this address into your browser:<br><span style="word-break:break-all">${escapeHtml(block.url)}</span></p>`;
    }
    case 'link':
      return `<p style="margin:0 0 16px;${TEXT}">${escapeHtml(block.label)}<br><a href="${escapeHtml(block.url)}" style="color:#0f6cbd;word-break:break-all">${escapeHtml(block.url)}</a></p>`;
    case 'code':
      return `<p style="margin:0 0 6px;${TEXT}">${escapeHtml(block.label)}</p><pre style="margin:0 0 16px;padding:10px 12px;background:#f5f5f5;border:1px solid #e0e0e0;border-radius:4px;font-family:Consolas,Menlo,monospace;font-size:13px;line-height:19px;white-space:pre-wrap;word-break:break-all">${escapeHtml(block.text)}</pre>`;
    case 'list':
      return `<p style="margin:0 0 6px;${TEXT}">${escapeHtml(block.label)}</p><ul style="margin:0 0 16px;padding-left:20px;${TEXT}">${block.items.map((i) => `<li style="margin:0 0 4px;word-break:break-word">${escapeHtml(i)}</li>`).join('')}</ul>`;
    case 'links':
      return `<p style="margin:0 0 6px;${TEXT}">${escapeHtml(block.label)}</p><ul style="margin:0 0 16px;padding-left:20px;${TEXT}">${block.links.map((l) => `<li style="margin:0 0 4px;word-break:break-word"><a href="${escapeHtml(l.url)}" style="color:#0f6cbd">${escapeHtml(l.label)}</a></li>`).join('')}</ul>`;
  }
}

function blockText(block: Block): string {
  switch (block.kind) {
    case 'paragraph':
      return block.text;
    case 'quote':
      return `${block.heading}\n${block.text
        .split('\n')
        .map((l) => `> ${l}`)
        .join('\n')}`;
    case 'button':
    case 'link':
      return `${block.label.endsWith(':') ? block.label : `${block.label}:`}\n${block.url}`;
    case 'code':
      return `${block.label}\n\n${block.text}`;
    case 'list':
      return `${block.label}\n${block.items.map((i) => `- ${i}`).join('\n')}`;
    case 'links':
      return `${block.label}\n${block.links.map((l) => `- ${l.label}:\n  ${l.url}`).join('\n')}`;
  }
}

function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return 'the link';
  }
}

/** How the customer can check the mail is genuine, and whom to ask: the same in every customer mail. */
function footerLines(sender: Sender, audience: Audience): string[] {
  const contact = [
    `write to ${sender.supportEmail} (or reply to this mail)`,
    ...(sender.supportPhone ? [`call ${sender.supportPhone}`] : []),
    ...(sender.website ? [`see ${sender.website}`] : []),
  ].join(', ');
  if (audience === 'partner') return [`Sent by ${possessive(sender.partnerName)} reinstatement service.`];
  return [
    `Sent by ${sender.partnerName}, your Microsoft Cloud Solution Provider partner.`,
    `Is this genuine? Microsoft asks you to accept a partner relationship only in your own Microsoft 365 admin center (admin.microsoft.com), and the role assignment is made by you, in your own Azure tenant. We never ask for your password. If in doubt, ${contact}.`,
  ];
}

/**
 * Renders blocks to plain text and HTML. The HTML is built for mail clients and phones: one centred
 * table at most 600 px wide, inline styles only, no images, no web fonts, no scripts. Every value is
 * escaped; link addresses go into `href` (attribute-escaped) and onto a line of their own in the text
 * form, so no surrounding text can change or hide them.
 */
export function renderMessage(
  subject: string,
  blocks: Block[],
  sender?: Sender,
  audience: Audience = 'customer',
): EmailContent {
  const footer = sender ? footerLines(sender, audience) : [];
  const text = [...blocks.map(blockText), ...(footer.length ? ['--', ...footer] : [])].join('\n\n');
  const header = sender
    ? `<tr><td style="padding:16px 24px;background:#0f6cbd;${FONT};font-size:17px;font-weight:600;color:#ffffff">${escapeHtml(sender.partnerName)}</td></tr>`
    : '';
  const footerHtml = footer.length
    ? `<tr><td style="padding:16px 24px;border-top:1px solid #e0e0e0">${footer.map((l) => `<p style="margin:0 0 8px;${SMALL}">${escapeHtml(l)}</p>`).join('')}</td></tr>`
    : '';
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light"><title>${escapeHtml(subject)}</title></head><body style="margin:0;padding:0;background:#f0f0f0"><table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="background:#f0f0f0"><tr><td align="center" style="padding:16px 8px"><table role="presentation" width="100%" cellspacing="0" cellpadding="0" border="0" style="max-width:600px;background:#ffffff;border-radius:6px">${header}<tr><td style="padding:24px">${blocks.map(blockHtml).join('')}</td></tr>${footerHtml}</table></td></tr></table></body></html>`;
  return { subject, text: `${text}\n`, html };
}
