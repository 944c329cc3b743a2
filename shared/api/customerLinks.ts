import type { Container } from '../app/container';
import {
  customerScriptsFor,
  scriptFile,
  type CustomerScripts,
  type ScriptCommand,
} from '../instructions/customerScripts';
import { grantTemplate } from '../instructions/grantTemplates';
import { procedureByFileName } from '../instructions/procedures';
import type { ScriptFile } from '../instructions/scriptFiles';
import { buildInvitationLink } from '../links/invitationLink';
import { verifyCustomerToken, type TokenPurpose } from '../links/customerTokens';
import type { Reinstatement } from '../model/reinstatement';
import { isFinalState } from '../model/states';
import type { WorkflowClient } from '../workflow/contract';
import { ConcurrencyError } from '../storage/reinstatementRepository';
import { StateConflictError } from './errors';
import { ReinstatementService } from './reinstatementService';

/** The customer may ask for a check at most this often (per reinstatement, across app instances). */
const CHECK_INTERVAL_MS = 60_000;

export type CheckAnswer =
  | { kind: 'checked'; reinstatement: Reinstatement }
  | { kind: 'nothingToCheck'; reinstatement: Reinstatement }
  | { kind: 'tooSoon'; reinstatement: Reinstatement; retryAfterSeconds: number };

/** Where the invitation link leads: on to Microsoft's invitation, or to a page saying where it stands. */
export type InvitationAnswer =
  { kind: 'forward'; url: string } | { kind: 'state'; reinstatement: Reinstatement };

/**
 * What the instructions link shows, following the reinstatement: the commands for the scopes still to
 * grant; that everything is granted (with how to take it back); or where the request stands when it
 * no longer waits for the customer (withdrawn, expired, failed, not yet accepted).
 */
export type InstructionsView =
  | { kind: 'commands'; reinstatement: Reinstatement; scripts: CustomerScripts }
  | { kind: 'granted'; reinstatement: Reinstatement; removal?: ScriptCommand[] }
  | { kind: 'state'; reinstatement: Reinstatement };

/**
 * What a customer's links can do. Each link carries a signed, expiring, purpose-bound token; any
 * invalid token answers undefined, and the caller shows the same page whatever was wrong with it.
 */
export class CustomerLinks {
  constructor(
    private readonly app: Container,
    private readonly workflow: WorkflowClient,
  ) {}

  /**
   * The emailed invitation link: records the click; while the invitation stands, answers Microsoft's
   * invitation to go on to, and afterwards where the request stands instead.
   */
  async openInvitation(token: string): Promise<InvitationAnswer | undefined> {
    const reinstatement = await this.fromToken(token, 'invitation');
    if (!reinstatement) return undefined;
    await this.countClick(reinstatement.id);
    if (reinstatement.state !== 'Requested' && reinstatement.state !== 'InvitationSent')
      return { kind: 'state', reinstatement };
    return {
      kind: 'forward',
      url: buildInvitationLink({
        partnerTenantId: this.app.config.partner.tenantId,
        msppId: this.app.config.partner.msppId,
        delegatedAdmin: reinstatement.delegatedAdmin,
      }),
    };
  }

  /**
   * Every click is counted; the first of each hour also writes the audit row, so a mail scanner that
   * fetches the link fifty times leaves one row, not fifty. The record's count is brought up to the
   * counter's total inside the record's own update (the highest total seen wins, so clicks that
   * arrive together need not all write). Counting never stands between the customer and the link.
   */
  private async countClick(id: string): Promise<void> {
    const hour = this.app.now().toISOString().slice(0, 13);
    let firstOfHour = false;
    try {
      const total = await this.app.linkClicks.add(id);
      firstOfHour = await this.app.linkClicks.claimHour(id, hour);
      await this.app.repository.update(id, (current) => {
        const counted = Math.max(current.counters.linkClicks, total);
        if (!firstOfHour && counted === current.counters.linkClicks) return null;
        current.counters.linkClicks = counted;
        return {
          next: current,
          ...(firstOfHour
            ? { audit: { what: 'link-clicked', actor: 'customer-link', details: { clicksSoFar: counted } } }
            : {}),
        };
      });
    } catch (error) {
      if (firstOfHour) await this.app.linkClicks.releaseHour(id, hour).catch(() => undefined);
      if (!(error instanceof ConcurrencyError)) throw error;
    }
  }

  /**
   * The instructions page's content. On opening, the role assignments are checked within the same
   * once-a-minute budget as "I've done it", so that a customer who granted already reads so instead of
   * the commands.
   */
  async instructions(
    token: string,
    options: { checkOnOpen: boolean },
  ): Promise<InstructionsView | undefined> {
    let reinstatement = await this.fromToken(token, 'instructions');
    if (!reinstatement) return undefined;
    const pending = reinstatement.scopes.some((scope) => scope.status !== 'Verified');
    if (options.checkOnOpen && reinstatement.state === 'AwaitingRoleAssignment' && pending) {
      try {
        reinstatement = (await this.checkNow(token))?.reinstatement ?? reinstatement;
      } catch (error) {
        // The state moved on between reading and checking (it ended): show where it stands now.
        if (!(error instanceof StateConflictError)) throw error;
        reinstatement = await this.app.repository.require(reinstatement.id);
      }
    }
    return this.viewOf(reinstatement);
  }

  /** A procedure of the instructions as a file, for the scopes still to grant; else the page's view. */
  async scriptFile(
    token: string,
    fileName: string,
  ): Promise<{ kind: 'file'; file: ScriptFile } | { kind: 'page'; view: InstructionsView } | undefined> {
    const procedure = procedureByFileName(fileName);
    const reinstatement = procedure ? await this.fromToken(token, 'instructions') : undefined;
    if (!procedure || !reinstatement) return undefined;
    const view = this.viewOf(reinstatement);
    return view.kind === 'commands'
      ? { kind: 'file', file: scriptFile(view.scripts, procedure.id) }
      : { kind: 'page', view };
  }

  private viewOf(reinstatement: Reinstatement): InstructionsView {
    const groupId = reinstatement.partnerGroupObjectId;
    const groupName = this.app.config.partner.groupName;
    const pending = reinstatement.scopes.filter((scope) => scope.status !== 'Verified');
    if (reinstatement.state === 'Reinstated' || (!isFinalState(reinstatement.state) && pending.length === 0))
      return {
        kind: 'granted',
        reinstatement,
        ...(groupId
          ? {
              removal: customerScriptsFor({ ...reinstatement, partnerGroupObjectId: groupId }, groupName)
                .removal,
            }
          : {}),
      };
    if (
      isFinalState(reinstatement.state) ||
      !groupId ||
      !['Accepted', 'AwaitingRoleAssignment'].includes(reinstatement.state)
    )
      return { kind: 'state', reinstatement };
    return {
      kind: 'commands',
      reinstatement,
      scripts: customerScriptsFor(
        { customerTenantId: reinstatement.customerTenantId, scopes: pending, partnerGroupObjectId: groupId },
        groupName,
      ),
    };
  }

  /**
   * The one-click grant for the reinstatement's `n`-th scope (from 1): the ARM template with the
   * partner's group and name filled in, for a subscription or a resource group (a single resource has
   * the commands only). Undefined for an invalid token, an unknown scope, before the group is known, or
   * once the request no longer waits for the customer.
   */
  async grantTemplate(token: string, n: number): Promise<Record<string, unknown> | undefined> {
    const reinstatement = await this.fromToken(token, 'instructions');
    const entry = reinstatement?.scopes[n - 1];
    if (!reinstatement?.partnerGroupObjectId || !entry || entry.kind === 'resource') return undefined;
    // Only while the request waits for the customer: a withdrawn or ended one grants nothing more.
    if (this.viewOf(reinstatement).kind !== 'commands') return undefined;
    return grantTemplate(entry.kind, {
      partnerGroupObjectId: reinstatement.partnerGroupObjectId,
      partnerName: this.app.config.partner.displayName,
    });
  }

  /** "I've done it": checks the role assignments now, at most once a minute per reinstatement. */
  async checkNow(token: string): Promise<CheckAnswer | undefined> {
    const reinstatement = await this.fromToken(token, 'instructions');
    if (!reinstatement) return undefined;
    if (reinstatement.state !== 'AwaitingRoleAssignment') return { kind: 'nothingToCheck', reinstatement };
    const now = this.app.now();
    // Decided on the record that is written: of many requests at once, one finds the minute free.
    const { record: updated, answer: allowed } = await this.app.repository.updateDeciding(
      reinstatement.id,
      (current) => {
        const last = Date.parse(current.lastCustomerCheckAt ?? '1970-01-01');
        if (now.getTime() - last < CHECK_INTERVAL_MS) return { change: null, answer: false };
        current.lastCustomerCheckAt = now.toISOString();
        return { change: { next: current }, answer: true };
      },
    );
    if (!allowed) {
      const waited = now.getTime() - Date.parse(updated.lastCustomerCheckAt ?? now.toISOString());
      return {
        kind: 'tooSoon',
        reinstatement: updated,
        retryAfterSeconds: Math.max(1, Math.ceil((CHECK_INTERVAL_MS - waited) / 1000)),
      };
    }
    await new ReinstatementService(this.app, this.workflow).verifyOne(reinstatement.id, 'customer-link');
    return { kind: 'checked', reinstatement: await this.app.repository.require(reinstatement.id) };
  }

  private async fromToken(token: string, purpose: TokenPurpose): Promise<Reinstatement | undefined> {
    const check = verifyCustomerToken(this.app.config.links.signingKeys, token, purpose, this.app.now());
    if (!check.valid) return undefined;
    return this.app.repository.get(check.claims.reinstatementId);
  }
}
