import type { IdentityHealth, PartnerUserTokens } from '../adapters/identity/partnerUserTokens';
import type { AppConfig } from '../config/appConfig';
import { html } from '../web/html';
import { htmlPage } from './customerPages';
import type { ApiResponse } from './problem';
import { errorMessage } from '../../lib/errors';

/**
 * The one-time consent step of the Secure Application Model, as pages: a member of the partner group
 * signs in to the partner's app, and the refresh token Entra returns becomes verification's identity.
 * The start needs the function key; Entra's redirect back is anonymous and is trusted only with the
 * single-use state of a start made in the last ten minutes (and its PKCE verifier).
 */
export class IdentityConsent {
  constructor(private readonly app: { config: AppConfig; partnerUser: PartnerUserTokens }) {}

  private get redirectUri(): string {
    return `${this.app.config.links.publicBaseUrl}/api/identity/consent/callback`;
  }

  /** Sends the browser to Entra's sign-in for the partner's app. */
  async begin(): Promise<ApiResponse> {
    return {
      status: 302,
      headers: {
        Location: await this.app.partnerUser.startConsent(this.redirectUri),
        'Cache-Control': 'no-store',
      },
    };
  }

  /** Entra's redirect back: redeems the code and keeps the user's refresh token. */
  async complete(query: URLSearchParams): Promise<ApiResponse> {
    const error = query.get('error');
    if (error)
      return htmlPage(
        'Sign-in refused',
        html`<h1>Microsoft Entra ID did not sign you in</h1>
          <p>${query.get('error_description') ?? error}</p>`,
        400,
      );
    const state = query.get('state');
    const code = query.get('code');
    try {
      const connected =
        state && code ? await this.app.partnerUser.finishConsent(state, code, this.redirectUri) : undefined;
      if (!connected)
        return htmlPage(
          'Sign-in not accepted',
          html`<h1>This sign-in was not started here, or took too long</h1>
            <p>Start again from <code>/api/identity/consent</code>.</p>`,
          400,
        );
      return htmlPage(
        'Connected',
        html`<h1>Connected</h1>
          <p>
            Verification now reads customers' role assignments as <strong>${connected.user}</strong>, through
            the partner's app. This user must stay a member of ${this.app.config.partner.groupName} and of the
            group your GDAP relationships name.
          </p>`,
      );
    } catch (failure) {
      return htmlPage(
        'Sign-in not completed',
        html`<h1>The sign-in could not be completed</h1>
          <p>${errorMessage(failure)}</p>`,
        400,
      );
    }
  }

  health(): Promise<IdentityHealth> {
    return this.app.partnerUser.health();
  }
}
