/**
 * The function app's entry (package.json `main`). Importing a module registers its functions with
 * the host, so this file imports every one of them and nothing else.
 */
import { getConfig } from '../shared/config/appConfig';
import { checkMailTemplates } from '../shared/email/templates/templateSet';
import { startTelemetry } from '../shared/telemetry/startTelemetry';

// Validate every setting before any function registers: a misconfigured app fails to start with a
// message naming each bad setting, instead of failing later in the middle of a reinstatement. The
// partner's mail templates are read and checked too (MAIL_TEMPLATES_DIR, each file and its problem).
// Then telemetry, before any function can run.
checkMailTemplates(getConfig());
startTelemetry(getConfig());

import './http/health';
import './http/reinstatements';
import './http/bulkStarts';
import './http/emailBacklog';
import './http/partnerCenter';
import './http/identity';
import './http/openapi';
import './http/mailPreview';
import './http/scans';
import './http/alerts';
import './http/customerLinks';
import './http/console';
import './http/assets';
import './timers/verifyPendingRoleAssignments';
import './timers/watchdog';
import './timers/scan';
import './timers/digest';
import './workflow';
