import type { OutgoingMail } from '../adapters/email/acsEmailSender';
import type { AppConfig } from '../config/appConfig';
import type { MailPurposes } from '../email/dispatch';
import type { MailRecord } from '../email/outbox';
import { composeMail, mailLanguage, type MailFacts } from '../email/templates/composeMail';
import type { MailTemplateKind } from '../email/templates/mailTemplate';
import { customerScriptsFor } from '../instructions/customerScripts';
import { grantLinks } from '../instructions/grantTemplates';
import { signCustomerToken } from '../links/customerTokens';
import { buildInvitationLink } from '../links/invitationLink';
import { isOneOf } from '../../lib/isOneOf';
import type { Language } from '../model/languages';
import type { Reinstatement, ReinstatementCounters } from '../model/reinstatement';
import type { ReinstatementState } from '../model/states';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { Events, type MailSentEvent, type WorkflowClient } from './contract';

const DAY = 86_400_000;

/** The settings a reinstatement's mails are written from. */
export type ReinstatementMailSettings = Pick<AppConfig, 'partner' | 'email' | 'links' | 'schedule'>;

/** What one mail composes from: the reinstatement as it is when the mail is queued. */
interface Composing {
  config: ReinstatementMailSettings;
  reinstatement: Reinstatement;
  sequence: number;
  now: Date;
}

/**
 * The language a customer's mail of `kind` is written in: the reinstatement's own (records from
 * before languages read as the default language), unless the partner's templates say otherwise.
 */
function languageOf(c: Composing, kind: MailTemplateKind): Language {
  return mailLanguage(c.config, kind, c.reinstatement.language ?? c.config.partner.defaultLanguage);
}

/** Everything the product knows about one kind of a reinstatement's mail, in one row. */
interface MailKindRules {
  /** The states in which it still makes sense to send it: an invitation after acceptance does not. */
  wantedIn: readonly ReinstatementState[] | 'always';
  /**
   * What its sending adds to the reinstatement's audit trail (and which counter it counts), for
   * the `sequence` sent. Undefined: the reinstatement's own flow records it, with the move it
   * makes (the first invitation and the first instructions).
   */
  sentNote(sequence: number): { what: string; count?: keyof ReinstatementCounters } | undefined;
  /** Its content. */
  facts(c: Composing): MailFacts;
}

const RUNNING_BEFORE_ACCEPTANCE = ['Requested', 'InvitationSent'] as const;
const RUNNING_AFTER_ACCEPTANCE = ['Accepted', 'AwaitingRoleAssignment'] as const;

/** The first of these is the flow's to record (it moves the state); the next ones are reminders. */
const remindersOnly = (what: string) => (sequence: number) =>
  sequence === 0 ? undefined : { what, count: 'remindersSent' as const };

/** The mails of a reinstatement. Sequence 0 is the first of a kind; reminders and resends count up. */
const MAIL_KINDS = {
  invitation: {
    wantedIn: RUNNING_BEFORE_ACCEPTANCE,
    sentNote: remindersOnly('invitation-reminder-sent'),
    facts: (c) => invitationFacts(c, c.sequence === 0 ? 'invitation' : 'invitation-reminder', c.sequence),
  },
  'invitation-resend': {
    wantedIn: RUNNING_BEFORE_ACCEPTANCE,
    sentNote: () => ({ what: 'invitation-resent', count: 'resends' }),
    // A resend is worded as a reminder: the customer has had the first one.
    facts: (c) => invitationFacts(c, 'invitation-reminder', c.sequence + 1),
  },
  instructions: {
    wantedIn: RUNNING_AFTER_ACCEPTANCE,
    sentNote: remindersOnly('instructions-reminder-sent'),
    facts: (c) =>
      instructionsFacts(c, c.sequence === 0 ? 'instructions' : 'instructions-reminder', c.sequence),
  },
  'instructions-resend': {
    wantedIn: RUNNING_AFTER_ACCEPTANCE,
    sentNote: () => ({ what: 'instructions-resent', count: 'resends' }),
    facts: (c) => instructionsFacts(c, 'instructions-reminder', c.sequence + 1),
  },
  thanks: {
    wantedIn: 'always',
    sentNote: () => ({ what: 'thanks-sent' }),
    facts: (c) => {
      const language = languageOf(c, 'thanks');
      const scripts = scriptsOf(c.config, c.reinstatement, language);
      const { reinstatement } = c;
      return {
        kind: 'thanks',
        language,
        ...customerOf(reinstatement),
        scopes: reinstatement.scopes,
        ...(scripts ? { scripts } : {}),
      };
    },
  },
} as const satisfies Record<string, MailKindRules>;

export type ReinstatementMailKind = keyof typeof MAIL_KINDS;
export const MailKinds = Object.keys(MAIL_KINDS) as ReinstatementMailKind[];

export function isMailKind(kind: string): kind is ReinstatementMailKind {
  return isOneOf(kind, MailKinds);
}

/** Composes one mail of a reinstatement from its record, at the time it is queued. */
export function composeReinstatementMail(
  config: ReinstatementMailSettings,
  reinstatement: Reinstatement,
  kind: ReinstatementMailKind,
  sequence: number,
  now: Date,
): OutgoingMail {
  const rules: MailKindRules = MAIL_KINDS[kind];
  return {
    to: reinstatement.contact.email,
    ...composeMail(config, rules.facts({ config, reinstatement, sequence, now })),
  };
}

/**
 * What the dispatcher reports about a reinstatement's mails: whether one is still wanted, and each
 * one's fate, noted in the audit trail (a reminder, a resend, the thanks) and told to the
 * orchestration that waits for it. It never moves a reinstatement's state: that is its flow's.
 * Each is safe to repeat (the dispatcher may).
 */
export function reinstatementMailPurposes(deps: {
  repository: ReinstatementRepository;
  workflow: WorkflowClient;
  now: () => Date;
}): MailPurposes {
  const { repository, workflow } = deps;
  const rulesOf = (mail: MailRecord): MailKindRules | undefined =>
    isMailKind(mail.key.kind) ? MAIL_KINDS[mail.key.kind] : undefined;
  const tell = async (mail: MailRecord, event: Omit<MailSentEvent, 'kind' | 'sequence'>) => {
    if (mail.owner)
      await workflow.raise(mail.owner, Events.MailSent, {
        kind: mail.key.kind,
        sequence: mail.key.sequence,
        ...event,
      } satisfies MailSentEvent);
  };

  return {
    async stillWanted(mail) {
      const rules = rulesOf(mail);
      if (!rules) return true;
      const reinstatement = await repository.get(mail.key.stream);
      if (!reinstatement) return false;
      return rules.wantedIn === 'always' || rules.wantedIn.includes(reinstatement.state);
    },

    async sent(mail) {
      const note = rulesOf(mail)?.sentNote(mail.key.sequence);
      if (note) {
        const { count } = note;
        await repository.record(
          mail.key.stream,
          {
            what: note.what,
            actor: 'system',
            details: {
              to: mail.to,
              operationId: mail.operationId,
              ...(mail.key.sequence > 0 ? { sequence: mail.key.sequence } : {}),
            },
          },
          (reinstatement) => {
            if (count) reinstatement.counters[count]++;
          },
        );
      }
      await tell(mail, { ok: true, at: mail.sentAt ?? deps.now().toISOString() });
    },

    async failed(mail, reason) {
      if (rulesOf(mail) && (await repository.get(mail.key.stream)))
        await repository.record(mail.key.stream, {
          what: 'mail-not-sent',
          actor: 'system',
          details: { kind: mail.key.kind, sequence: mail.key.sequence, to: mail.to, reason },
        });
      await tell(mail, { ok: false, at: deps.now().toISOString(), reason });
    },

    async withdrawn(mail) {
      await tell(mail, { ok: false, at: deps.now().toISOString(), reason: 'withdrawn: no longer needed' });
    },
  };
}

const customerOf = (reinstatement: Reinstatement) => ({
  customerName: reinstatement.customerName,
  contactName: reinstatement.contact.name,
});

/** A signed customer link to the reinstatement's invitation or instructions page. */
function customerLink(c: Composing, purpose: 'invitation' | 'instructions', days: number): string {
  const token = signCustomerToken(c.config.links.signingKeys, {
    reinstatementId: c.reinstatement.id,
    purpose,
    expiresAt: new Date(c.now.getTime() + days * DAY),
  });
  return `${c.config.links.publicBaseUrl}/api/c/${token}${purpose === 'instructions' ? '/instructions' : ''}`;
}

function scriptsOf(config: Pick<AppConfig, 'partner'>, reinstatement: Reinstatement, language: Language) {
  const groupId = reinstatement.partnerGroupObjectId;
  return groupId
    ? customerScriptsFor(
        { ...reinstatement, partnerGroupObjectId: groupId },
        config.partner.groupName,
        language,
      )
    : undefined;
}

function invitationFacts(
  c: Composing,
  kind: 'invitation' | 'invitation-reminder',
  reminderNumber: number,
): MailFacts {
  const { config, reinstatement } = c;
  const expiryDays = config.schedule.invitationExpiryDays;
  return {
    kind,
    language: languageOf(c, kind),
    ...customerOf(reinstatement),
    ...(reinstatement.note ? { note: reinstatement.note } : {}),
    acceptLink: customerLink(c, 'invitation', expiryDays),
    microsoftLink: buildInvitationLink({
      partnerTenantId: config.partner.tenantId,
      msppId: config.partner.msppId,
      delegatedAdmin: reinstatement.delegatedAdmin,
    }),
    delegatedAdmin: reinstatement.delegatedAdmin,
    expiresAt: new Date(Date.parse(reinstatement.invitationSentAt ?? c.now.toISOString()) + expiryDays * DAY),
    reminderNumber,
  };
}

function instructionsFacts(
  c: Composing,
  kind: 'instructions' | 'instructions-reminder',
  reminderNumber: number,
): MailFacts {
  const { config, reinstatement } = c;
  const language = languageOf(c, kind);
  const scripts = scriptsOf(config, reinstatement, language);
  if (!scripts) throw new Error(`reinstatement ${reinstatement.id} has no partner group yet`);
  const deadlineDays = config.schedule.roleAssignmentDeadlineDays;
  const page = customerLink(c, 'instructions', deadlineDays + 1);
  return {
    kind,
    language,
    ...customerOf(reinstatement),
    instructionsLink: page,
    deployLinks: grantLinks(page.replace(/\/instructions$/, ''), reinstatement.scopes),
    scripts,
    scopes: reinstatement.scopes,
    deadline: new Date(
      Date.parse(reinstatement.instructionsSentAt ?? c.now.toISOString()) + deadlineDays * DAY,
    ),
    reminderNumber,
  };
}
