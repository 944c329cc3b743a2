import { z } from 'zod';

/**
 * A person signed in to the console, as App Service authentication vouches for them in the
 * `X-MS-CLIENT-PRINCIPAL` header (base64 JSON of their claims):
 *   https://learn.microsoft.com/azure/app-service/configure-authentication-user-identities
 * The platform removes any copy of that header a client sends, but only when authentication is on,
 * so the header is believed only then (`trusted`); otherwise nobody is signed in.
 */
export const ConsoleRoles = {
  /** Sees the console: overview, list, detail, export. */
  read: 'Reinstatement.Read',
  /** Acts: start, bulk start, resend, verify, confirm acceptance, cancel, retry. */
  operate: 'Reinstatement.Operate',
} as const;

export type ConsoleNeed = keyof typeof ConsoleRoles;

export interface SignedInPerson {
  /** Entra object id. */
  id: string;
  displayName: string;
  /** Sign-in name (UPN or e-mail). */
  userName: string;
  roles: string[];
}

const OBJECT_ID = 'http://schemas.microsoft.com/identity/claims/objectidentifier';

/**
 * The header's JSON as the platform writes it. A claim that is not a pair of strings is dropped, not
 * fatal: the platform adds claims of its own, and one odd claim should not sign a person out.
 */
const claimSchema = z.object({ typ: z.string(), val: z.string() });
const principalSchema = z.object({
  claims: z.array(z.unknown()).transform((claims) =>
    claims.flatMap((claim) => {
      const parsed = claimSchema.safeParse(claim);
      return parsed.success ? [parsed.data] : [];
    }),
  ),
  name_typ: z.string().optional(),
  role_typ: z.string().optional(),
});

function principalOf(header: string): z.infer<typeof principalSchema> | undefined {
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(header, 'base64').toString('utf8'));
  } catch {
    return undefined;
  }
  const parsed = principalSchema.safeParse(json);
  return parsed.success ? parsed.data : undefined;
}

export function signedInPerson(header: string | null, trusted: boolean): SignedInPerson | undefined {
  if (!trusted || !header) return undefined;
  const payload = principalOf(header);
  if (!payload) return undefined;
  const { claims } = payload;
  const first = (...types: unknown[]) => claims.find((c) => types.includes(c.typ))?.val;
  const id = first(OBJECT_ID, 'oid');
  if (!id) return undefined;
  // The platform types role claims `roles` while role_typ names the WS role claim: read both.
  const roleTypes = [
    'roles',
    'http://schemas.microsoft.com/ws/2008/06/identity/claims/role',
    payload.role_typ,
  ];
  const userName = first('preferred_username', 'upn', 'email') ?? id;
  return {
    id,
    displayName: first(payload.name_typ, 'name') ?? userName,
    userName,
    roles: [...new Set(claims.filter((c) => roleTypes.includes(c.typ)).map((c) => c.val))],
  };
}

/** Operate includes reading: an operator who could act but not see would be no use. */
export function mayDo(person: SignedInPerson, need: ConsoleNeed): boolean {
  if (person.roles.includes(ConsoleRoles.operate)) return true;
  return need === 'read' && person.roles.includes(ConsoleRoles.read);
}

/** How audit rows name the person. */
export const auditName = (person: SignedInPerson): string => `${person.displayName} <${person.userName}>`;
