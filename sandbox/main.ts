/**
 * The sandbox cloud as a process of its own (Microsoft's cloud does not go down with the app):
 *   node dist/sandbox/main.js --dir .sandbox/cloud --port 8443 --partner-tenant <id>
 *     [--partner-app-id <id>] [--partner-app-secret <s>] [--group-name AdminAgents]
 *     [--acs-per-minute 30] [--acs-per-hour 100] [--customers 25] [--redirect-uri <url>]
 * Reopens the cloud kept in --dir (or creates one with the demo customers), writes ca.pem and
 * app-settings.json there, prints `sandbox cloud ready <url>`, and saves on SIGTERM/SIGINT.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { SandboxCloud } from './sandboxCloud';

/** The demo customer the README walks through, then fictitious companies for bulk starts. */
export const DEMO_CUSTOMER = {
  tenantId: '7f3c2a10-4b5e-4c6d-8e9f-0a1b2c3d4e5f',
  subscriptions: ['a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d'],
  name: 'Contoso Ltd',
};
const COMPANIES = [
  'Fabrikam',
  'Northwind Traders',
  'Tailspin Toys',
  'Wide World Importers',
  'Adventure Works',
  'Woodgrove Bank',
  'Litware',
  'Proseware',
  'Alpine Ski House',
  'Coho Winery',
  'Fourth Coffee',
  'Lamna Healthcare',
  'Margie\u2019s Travel',
  'Relecloud',
  'Trey Research',
  'VanArsdel',
  'Wingtip Toys',
  'Humongous Insurance',
  'Lucerne Publishing',
  'Graphic Design Institute',
  'Consolidated Messenger',
  'Blue Yonder Airlines',
  'School of Fine Art',
  'Munson\u2019s Pickles and Preserves',
];

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      dir: { type: 'string' },
      port: { type: 'string', default: '0' },
      'partner-tenant': { type: 'string' },
      'partner-app-id': { type: 'string' },
      'partner-app-secret': { type: 'string' },
      'group-name': { type: 'string', default: 'AdminAgents' },
      'acs-per-minute': { type: 'string', default: '30' },
      'acs-per-hour': { type: 'string', default: '100' },
      customers: { type: 'string', default: '25' },
      // The app's consent callback, registered on the partner app as Entra requires.
      'redirect-uri': { type: 'string', multiple: true },
    },
  });
  if (!values.dir || !values['partner-tenant'])
    throw new Error('usage: main.js --dir <folder> --partner-tenant <id> [--port N] [...]');
  const cloud = await SandboxCloud.start({
    dir: values.dir,
    port: Number(values.port),
    partnerTenantId: values['partner-tenant'],
    partnerGroupName: values['group-name'] ?? 'AdminAgents',
    partnerAppClientId: values['partner-app-id'] || randomUUID(),
    partnerAppSecret: values['partner-app-secret'] || randomBytes(16).toString('hex'),
    // ACS enforces the quota the app is told to pace to, so the sandbox shows what it does.
    acsLimits: { perMinute: Number(values['acs-per-minute']), perHour: Number(values['acs-per-hour']) },
  });
  const redirectUris = values['redirect-uri'] ?? [];
  if (redirectUris.length) cloud.state.partnerApp.redirectUris = redirectUris;
  if (cloud.state.customers.size === 0) {
    cloud.state.addCustomer(DEMO_CUSTOMER.tenantId, DEMO_CUSTOMER.subscriptions, DEMO_CUSTOMER.name);
    const count = Math.max(1, Number(values.customers));
    for (let i = 1; i < count; i++) {
      const name =
        COMPANIES[(i - 1) % COMPANIES.length] +
        (i > COMPANIES.length ? ` ${Math.ceil(i / COMPANIES.length)}` : '');
      // A mix for the scan to find: most lost access; every sixth still has it, every seventh's
      // Azure entitlements Partner Center will not give.
      const customer = cloud.state.addCustomer(
        randomUUID(),
        i % 5 === 0 ? [randomUUID(), randomUUID()] : [randomUUID()],
        name,
        i % 7 === 0 ? { entitlementsError: 403 } : {},
      );
      if (i % 6 === 0) cloud.state.grantOwnerToPartner(`/subscriptions/${customer.subscriptions[0]}`);
    }
  }
  writeFileSync(join(values.dir, 'ca.pem'), cloud.pki.trustedRootsPem);
  writeFileSync(join(values.dir, 'app-settings.json'), JSON.stringify(cloud.appSettings(), null, 2), {
    mode: 0o600,
  });
  console.log(`sandbox cloud ready ${cloud.url}`);
  const stop = async () => {
    await cloud.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
