/**
 * Characters that have no place in a name, an address or a note typed by a person: C0/C1 controls,
 * Unicode line/paragraph separators, and the bidirectional overrides that can make text render in
 * an order other than the one it is stored in (the "Trojan Source" trick).
 */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;
const CONTROL_EXCEPT_LINE_BREAKS =
  /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/u;

export function hasControlCharacters(value: string): boolean {
  return CONTROL.test(value);
}

/** Multi-line plain text (a note) may keep tabs and line breaks, nothing else invisible. */
export function hasControlCharactersBeyondLineBreaks(value: string): boolean {
  return CONTROL_EXCEPT_LINE_BREAKS.test(value);
}

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes text for an HTML element body or a quoted attribute value. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c] ?? '');
}
