import { escapeHtml } from '../../text/plainText';

/** An email in both forms ACS sends: plain text and HTML. */
export interface EmailContent {
  subject: string;
  text: string;
  html: string;
}

/** A piece of a message: a paragraph of text, a quoted note, or a link that must appear whole. */
export type Block =
  | { kind: 'paragraph'; text: string }
  | { kind: 'quote'; heading: string; text: string }
  | { kind: 'link'; label: string; url: string }
  | { kind: 'code'; label: string; text: string };

/**
 * Renders blocks to plain text and HTML. Every interpolated value is escaped for HTML; links go into
 * `href` (attribute-escaped) and onto a line of their own in the text form, so no surrounding text
 * can change or hide them.
 */
export function renderMessage(subject: string, blocks: Block[]): EmailContent {
  const text: string[] = [];
  const html: string[] = [];
  for (const block of blocks) {
    switch (block.kind) {
      case 'paragraph':
        text.push(block.text);
        html.push(`<p>${escapeHtml(block.text)}</p>`);
        break;
      case 'quote':
        text.push(
          `${block.heading}\n${block.text
            .split('\n')
            .map((l) => `> ${l}`)
            .join('\n')}`,
        );
        html.push(
          `<p>${escapeHtml(block.heading)}</p><blockquote style="white-space:pre-wrap">${escapeHtml(block.text)}</blockquote>`,
        );
        break;
      case 'link':
        text.push(`${block.label}\n${block.url}`);
        html.push(
          `<p>${escapeHtml(block.label)}<br><a href="${escapeHtml(block.url)}">${escapeHtml(block.url)}</a></p>`,
        );
        break;
      case 'code':
        text.push(`${block.label}\n\n${block.text}`);
        html.push(`<p>${escapeHtml(block.label)}</p><pre>${escapeHtml(block.text)}</pre>`);
        break;
    }
  }
  return {
    subject,
    text: `${text.join('\n\n')}\n`,
    html: `<!doctype html><html><body style="font-family:Segoe UI,Arial,sans-serif">${html.join('\n')}</body></html>`,
  };
}
