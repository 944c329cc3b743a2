import type { AppConfig } from '../config/appConfig';
import type { OutgoingMail } from '../adapters/email/acsEmailSender';
import type { MailPurposes } from '../email/dispatch';
import type { MailRecord } from '../email/outbox';
import { composeMail, type MailFacts } from '../email/templates/composeMail';
import { customerScriptsFor } from '../instructions/customerScripts';
import { buildInvitationLink } from '../links/invitationLink';
import { signCustomerToken } from '../links/customerTokens';
import type { AuditEntryInput } from '../model/audit';
import type { Reinstatement, ReinstatementCounters } from '../model/reinstatement';
import { grantLinks } from '../instructions/grantTemplates';
import type { ReinstatementState } from '../model/states';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import { Events, type MailSentEvent, type WorkflowClient } from './contract';

/** The mails of a reinstatement. Sequence 0 is the first of a kind; reminders and resends count up. */
export const MailKinds = [
  'invitation',
  'invitation-resend',
  'instructions',
  'instructions-resend',
  'thanks',
  'partner-notice',
] as const;
export type ReinstatementMailKind = (typeof MailKinds)[number];

export function isMailKind(kind: string): kind is ReinstatementMailKind {
  return (MailKinds as readonly string[]).includes(kind);
}

const DAY = 86_400_000;

/** The states in which a mail still makes sense: an invitation after acceptance does not. */
const WANTED_IN: Record<ReinstatementMailKind, readonly ReinstatementState[] | 'always'> = {
  invitation: ['Requested', 'InvitationSent'],
  'invitation-resend': ['Requested', 'InvitationSent'],
  instructions: ['Accepted', 'AwaitingRoleAssignment'],
  'instructions-resend': ['Accepted', 'AwaitingRoleAssignment'],
  thanks: 'always',
  'partner-notice': 'always',
};

/** Composes one mail of a reinstatement from its record, at the time it is queued. */
export function composeReinstatementMail(
  config: AppConfig,
  reinstatement: Reinstatement,
  kind: ReinstatementMailKind,
  sequence: number,
  now: Date,
): OutgoingMail {
  const link = (purpose: 'invitation' | 'instructions', days: number) => {
    const token = signCustomerToken(config.links.signingKeys, {
      reinstatementId: reinstatement.id,
      purpose,
      expiresAt: new Date(now.getTime() + days * DAY),
    });
    return `${config.links.publicBaseUrl}/api/c/${token}${purpose === 'instructions' ? '/instructions' : ''}`;
  };
  const scripts = () =>
    reinstatement.partnerGroupObjectId
      ? customerScriptsFor(
          { ...reinstatement, partnerGroupObjectId: reinstatement.partnerGroupObjectId },
          config.partner.groupName,
        )
      : undefined;
  const customer = { customerName: reinstatement.customerName, contactName: reinstatement.contact.name };
  const to = (facts: MailFacts): OutgoingMail => ({
    to: facts.kind === 'partner-notice' ? config.partner.opsEmail : reinstatement.contact.email,
    ...composeMail(config, facts),
  });
  switch (kind) {
    case 'invitation':
    case 'invitation-resend':
      return to({
        // A resend is worded as a reminder: the customer has had the first one.
        kind: kind === 'invitation' && sequence === 0 ? 'invitation' : 'invitation-reminder',
        ...customer,
        ...(reinstatement.note ? { note: reinstatement.note } : {}),
        acceptLink: link('invitation', config.schedule.invitationExpiryDays),
        microsoftLink: buildInvitationLink({
          partnerTenantId: config.partner.tenantId,
          msppId: config.partner.msppId,
          delegatedAdmin: reinstatement.delegatedAdmin,
        }),
        delegatedAdmin: reinstatement.delegatedAdmin,
        expiresAt: new Date(
          Date.parse(reinstatement.invitationSentAt ?? now.toISOString()) +
            config.schedule.invitationExpiryDays * DAY,
        ),
        reminderNumber: kind === 'invitation' ? sequence : sequence + 1,
      });
    case 'instructions':
    case 'instructions-resend': {
      const built = scripts();
      if (!built) throw new Error(`reinstatement ${reinstatement.id} has no partner group yet`);
      const page = link('instructions', config.schedule.roleAssignmentDeadlineDays + 1);
      return to({
        kind: kind === 'instructions' && sequence === 0 ? 'instructions' : 'instructions-reminder',
        ...customer,
        instructionsLink: page,
        deployLinks: grantLinks(page.replace(/\/instructions$/, ''), reinstatement.scopes),
        scripts: built,
        scopes: reinstatement.scopes,
        deadline: new Date(
          Date.parse(reinstatement.instructionsSentAt ?? now.toISOString()) +
            config.schedule.roleAssignmentDeadlineDays * DAY,
        ),
        reminderNumber: kind === 'instructions' ? sequence : sequence + 1,
      });
    }
    case 'thanks': {
      const built = scripts();
      return to({
        kind: 'thanks',
        ...customer,
        scopes: reinstatement.scopes,
        ...(built ? { scripts: built } : {}),
      });
    }
    case 'partner-notice':
      return to({
        kind: 'partner-notice',
        reinstatementId: reinstatement.id,
        customerName: reinstatement.customerName,
        customerTenantId: reinstatement.customerTenantId,
        state: reinstatement.state,
        ...(reinstatement.stateReason ? { stateReason: reinstatement.stateReason } : {}),
        scopes: reinstatement.scopes,
      });
  }
}

/**
 * What each mail's fate means for its reinstatement: the first invitation and the first
 * instructions move the state on (and the waits count from when they went); reminders, resends,
 * thanks and notices are recorded in the audit trail; a mail given up is recorded with its reason.
 * The orchestration waiting for a mail is told. Each is safe to repeat (the dispatcher may).
 */
export function reinstatementMailPurposes(deps: {
  repository: ReinstatementRepository;
  workflow: WorkflowClient;
  now: () => Date;
}): MailPurposes {
  const { repository, workflow } = deps;
  const kindOf = (mail: MailRecord) => (isMailKind(mail.key.kind) ? mail.key.kind : undefined);
  const tell = async (mail: MailRecord, event: Omit<MailSentEvent, 'kind' | 'sequence'>) => {
    if (mail.owner)
      await workflow.raise(mail.owner, Events.MailSent, {
        kind: mail.key.kind,
        sequence: mail.key.sequence,
        ...event,
      } satisfies MailSentEvent);
  };
  const note = (mail: MailRecord, audit: AuditEntryInput, count?: keyof ReinstatementCounters) =>
    repository.record(mail.key.stream, audit, (reinstatement) => {
      if (count) reinstatement.counters[count]++;
    });

  return {
    async stillWanted(mail) {
      const kind = kindOf(mail);
      if (!kind) return true;
      const reinstatement = await repository.get(mail.key.stream);
      if (!reinstatement) return false;
      const wanted = WANTED_IN[kind];
      return wanted === 'always' || wanted.includes(reinstatement.state);
    },

    async sent(mail) {
      const at = mail.sentAt ?? deps.now().toISOString();
      const details = { to: mail.to, operationId: mail.operationId };
      switch (kindOf(mail)) {
        case 'invitation':
          if (mail.key.sequence > 0)
            await note(
              mail,
              {
                what: 'invitation-reminder-sent',
                actor: 'system',
                details: { ...details, sequence: mail.key.sequence },
              },
              'remindersSent',
            );
          else
            await repository.update(mail.key.stream, (reinstatement) => {
              if (reinstatement.state !== 'Requested') return null;
              reinstatement.state = 'InvitationSent';
              reinstatement.invitationSentAt = at;
              return { next: reinstatement, audit: { what: 'invitation-sent', actor: 'system', details } };
            });
          break;
        case 'instructions':
          if (mail.key.sequence > 0)
            await note(
              mail,
              {
                what: 'instructions-reminder-sent',
                actor: 'system',
                details: { ...details, sequence: mail.key.sequence },
              },
              'remindersSent',
            );
          else
            await repository.update(mail.key.stream, (reinstatement) => {
              if (reinstatement.state !== 'Accepted') return null;
              reinstatement.state = 'AwaitingRoleAssignment';
              reinstatement.instructionsSentAt = at;
              return { next: reinstatement, audit: { what: 'instructions-sent', actor: 'system', details } };
            });
          break;
        case 'invitation-resend':
        case 'instructions-resend':
          await note(
            mail,
            { what: `${mail.key.kind.replace('-resend', '')}-resent`, actor: 'system', details },
            'resends',
          );
          break;
        case 'thanks':
          await note(mail, { what: 'thanks-sent', actor: 'system', details });
          break;
        case 'partner-notice':
          await note(mail, { what: 'partner-notified', actor: 'system', details });
          break;
      }
      await tell(mail, { ok: true, at });
    },

    async failed(mail, reason) {
      if (kindOf(mail) && (await repository.get(mail.key.stream)))
        await note(mail, {
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
