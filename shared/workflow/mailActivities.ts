import type { MailDispatch } from '../email/dispatch';
import type { ReinstatementRepository } from '../storage/reinstatementRepository';
import type { MailActivities } from './contract';
import { reinstatementMailPurposes } from './reinstatementMails';

/** The dispatcher's activity: send what the pace allows, reporting each mail's fate to its reinstatement. */
export function createMailActivities(deps: {
  mail: MailDispatch;
  repository: ReinstatementRepository;
  now: () => Date;
}): MailActivities {
  return {
    async dispatchMail(_input, env) {
      return deps.mail.dispatch(
        reinstatementMailPurposes({ repository: deps.repository, workflow: env.workflow, now: deps.now }),
      );
    },
  };
}
