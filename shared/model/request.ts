import { z } from 'zod';
import { parseWith } from './fieldIssues';
import { GUID_RULE, isGuid, normalizeGuid } from './identifiers';
import { LANGUAGE_RULE, LANGUAGES, parseLanguage, type Language } from './languages';
import { parseScope, scopeKey, type Scope } from './scopes';
import { ValidationError } from './validationError';
import { hasControlCharacters, hasControlCharactersBeyondLineBreaks } from '../text/plainText';

export const MAX_SCOPES = 50;
export const LIMITS = {
  customerName: 256,
  contactName: 128,
  email: 254,
  note: 2000,
} as const;

/** What the partner asks for: get admin rights back on these scopes of this customer's tenant. */
export interface ReinstatementRequest {
  customerTenantId: string;
  /** The customer's display name or primary domain, as the partner knows it. */
  customerName: string;
  contact: { name: string; email: string };
  scopes: Scope[];
  /** Ask for Delegated Admin Privileges with the reseller relationship (no longer honoured since 2023-10-09). */
  delegatedAdmin: boolean;
  /** A plain-text note from the partner, shown to the customer in the invitation. */
  note?: string;
  /** The language the customer's mails, page and scripts are written in. */
  language: Language;
}

const singleLine = (field: string, max: number) =>
  z
    .string({ error: 'must be a string' })
    .trim()
    .min(1, { error: 'must not be empty' })
    .max(max, { error: `must be at most ${max} characters` })
    .refine((v) => !hasControlCharacters(v), {
      error: `${field} must not contain control or bidirectional characters`,
    });

const email = z
  .string({ error: 'must be a string' })
  .trim()
  .max(LIMITS.email, { error: `must be at most ${LIMITS.email} characters` })
  .pipe(z.email({ error: 'must be an email address (name@example.com)' }))
  .transform((v) => v.toLowerCase());

const guid = z
  .string({ error: 'must be a string' })
  .refine(isGuid, { error: GUID_RULE })
  .transform(normalizeGuid);

const scopes = z
  .array(z.unknown(), { error: 'must be an array of ARM resource ids' })
  .min(1, { error: 'must name at least one scope' })
  .max(MAX_SCOPES, { error: `must name at most ${MAX_SCOPES} scopes` })
  .transform((raw, ctx) => {
    const parsed: Scope[] = [];
    const seen = new Map<string, number>();
    raw.forEach((item, index) => {
      try {
        const scope = parseScope(item, `scopes[${index}]`);
        const key = scopeKey(scope);
        const first = seen.get(key);
        if (first !== undefined) {
          ctx.addIssue({ code: 'custom', path: [index], message: `repeats Azure scope ${first + 1}` });
          return;
        }
        seen.set(key, index);
        parsed.push(scope);
      } catch (error) {
        if (!(error instanceof ValidationError)) throw error;
        for (const issue of error.issues)
          ctx.addIssue({ code: 'custom', path: [index], message: issue.rule });
      }
    });
    return parsed;
  });

export const reinstatementRequestSchema = z.strictObject(
  {
    customerTenantId: guid.meta({ format: 'uuid', description: "The customer's Entra tenant id" }),
    customerName: singleLine('customerName', LIMITS.customerName).meta({
      description: "The customer's name or primary domain, as the partner knows it",
    }),
    contact: z.strictObject(
      {
        name: singleLine('contact.name', LIMITS.contactName),
        email: email.meta({
          format: 'email',
          description: "The customer's administrator, who gets the mails",
        }),
      },
      { error: 'must be an object with name and email' },
    ),
    scopes: scopes.meta({
      description: 'Where admin rights are wanted back: subscriptions, resource groups or resources',
      items: {
        type: 'string',
        description:
          'An ARM id: /subscriptions/{id}, /subscriptions/{id}/resourceGroups/{name}, or a resource id under one',
      },
    }),
    delegatedAdmin: z.boolean({ error: 'must be true or false' }).optional().meta({
      description:
        'Ask for DAP too (Microsoft no longer grants it this way); DELEGATED_ADMIN_DEFAULT when absent',
    }),
    note: z
      .string({ error: 'must be a string' })
      .max(LIMITS.note, { error: `must be at most ${LIMITS.note} characters` })
      .refine((v) => !hasControlCharactersBeyondLineBreaks(v), {
        error: 'must be plain text: no control or bidirectional characters',
      })
      .transform((v) => v.replace(/\r\n?/g, '\n').trim())
      .optional()
      .meta({ description: "A plain-text note from the partner, quoted in the customer's invitation" }),
    language: z
      .string({ error: LANGUAGE_RULE })
      .transform((v, ctx) => {
        const language = parseLanguage(v);
        if (!language) ctx.addIssue({ code: 'custom', message: LANGUAGE_RULE });
        return language ?? 'en';
      })
      .optional()
      .meta({
        type: 'string',
        enum: [...LANGUAGES],
        description:
          "The language of the customer's mails, instructions page and scripts (a BCP 47 tag, any case); DEFAULT_LANGUAGE when absent",
      }),
  },
  { error: 'must be a JSON object' },
);

export interface RequestDefaults {
  delegatedAdmin: boolean;
  /** DEFAULT_LANGUAGE: English unless the partner set another. */
  language?: Language;
}

/**
 * Validates a request from outside. Every rule broken is reported at once, each naming its field;
 * nothing is returned unless the whole request is valid.
 */
export function parseReinstatementRequest(input: unknown, defaults: RequestDefaults): ReinstatementRequest {
  const data = parseWith(reinstatementRequestSchema, input);
  const request: ReinstatementRequest = {
    customerTenantId: data.customerTenantId,
    customerName: data.customerName,
    contact: { name: data.contact.name, email: data.contact.email },
    scopes: data.scopes,
    delegatedAdmin: data.delegatedAdmin ?? defaults.delegatedAdmin,
    language: data.language ?? defaults.language ?? 'en',
  };
  if (data.note) request.note = data.note;
  return request;
}
