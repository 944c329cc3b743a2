import type { MailTemplateKind } from './mailTemplate';

/**
 * The product's own wording of each mail, in the same template form a partner may replace (see
 * docs/MAILS.md). Each says what is asked and why, what the grant gives the partner, and how to check
 * the request is genuine; the footer every customer mail carries adds whom to ask.
 */
export const DEFAULT_TEMPLATES: Record<MailTemplateKind, string> = {
  invitation: `Subject: {{partnerName}} invites {{customerName}} to a reseller relationship

Hello {{contactName}},

{{partnerName}}, your Microsoft Cloud Solution Provider partner, asks {{customerName}} to accept a reseller relationship in the Microsoft 365 admin center. It restores the partner's ability to manage your Azure CSP subscriptions for you. Only a Global administrator of your tenant can accept it.

{{#delegatedAdmin}}The invitation also asks for delegated administration (DAP). Since October 2023 Microsoft no longer grants DAP this way: accepting creates the reseller relationship only.{{/delegatedAdmin}}

{{note}}

[Review and accept the invitation]({{acceptLink}})

The button opens the Microsoft 365 admin center, where you see the request and the partner's name before you accept. You can also open Microsoft's own link directly:

[Open the invitation at admin.microsoft.com]({{microsoftLink}})

This invitation expires on {{expiresOn}}. After you accept, we send you one more short step: granting the partner's admin group access to your Azure subscriptions.`,

  'invitation-reminder': `Subject: Reminder: {{partnerName}} invites {{customerName}} to a reseller relationship

Hello {{contactName}},

{{partnerName}} asked {{customerName}} to accept a reseller relationship in the Microsoft 365 admin center, so that it can manage your Azure CSP subscriptions for you again. We have not seen it accepted yet. Only a Global administrator of your tenant can accept it.

{{note}}

[Review and accept the invitation]({{acceptLink}})

[Open the invitation at admin.microsoft.com]({{microsoftLink}})

The invitation expires on {{expiresOn}}. If you have already accepted it, you can ignore this reminder.`,

  instructions: `Subject: One last step to restore {{partnerNamePossessive}} access to {{customerNamePossessive}} Azure subscriptions

Hello {{contactName}},

Thank you for accepting the reseller relationship. One step remains: an Owner or User Access Administrator of your Azure subscription grants the Owner role to {{partnerNamePossessive}} {{groupName}} group. This lets the partner's administrators manage {{scopesRequested}} for you; you can see and remove the assignment at any time in the Azure portal (Access control (IAM)).

[Open your instructions]({{instructionsLink}})

Your page has these steps for Azure PowerShell and for the Azure CLI in Bash, PowerShell or Command Prompt, what to do if one fails, and an "I've done it" button: press it once they have run and we check at once. If the role is granted already, the page says so when you open it.

{{commands}}

{{scriptLinks}}

{{deployLinks}}

{{knownErrors}}

[Look up any other error]({{errorsLink}})

To take the access back later, whenever you choose:

{{removal}}

Please complete this step by {{deadline}}.`,

  'instructions-reminder': `Subject: Reminder: one last step to restore {{partnerNamePossessive}} access to {{customerNamePossessive}} Azure subscriptions

Hello {{contactName}},

We have not yet seen the Owner role granted to {{partnerNamePossessive}} {{groupName}} group on every requested scope. This is what we found at the last check:

{{missing}}

[Open your instructions]({{instructionsLink}})

Your page has every command and what to do if one fails; press "I've done it" there once they have run. Please complete this step by {{deadline}}.`,

  thanks: `Subject: Thank you: {{partnerName}} can manage {{customerNamePossessive}} Azure subscriptions again

Hello {{contactName}},

We confirmed the Owner role for {{partnerNamePossessive}} admin group on every requested scope. Nothing else is needed.

{{scopes}}

You can see or remove the assignment at any time in the Azure portal (Access control (IAM)), or with:

{{removal}}`,

  'partner-notice': `Subject: {{outcomeTitle}}: {{customerName}}

The reinstatement {{reinstatementId}} for {{customerName}} (tenant {{customerTenantId}}) has ended: {{outcomeTitle}}.

{{#hasReason}}Reason: {{stateReason}}{{/hasReason}}

{{scopes}}`,
};
