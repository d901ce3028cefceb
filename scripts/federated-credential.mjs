// Lets the app's managed identity sign in as the Entra app (which holds the Graph permissions)
// with a federated identity credential: no client secret or certificate to rotate. Idempotent.
// Run by `atk provision` (teamsapp.yml) with the Azure CLI signed in to the agency's tenant.
import { execFileSync } from 'node:child_process';

const {
  AAD_APP_OBJECT_ID: app,
  AAD_APP_TENANT_ID: tenant,
  MANAGED_IDENTITY_PRINCIPAL_ID: principal,
} = process.env;
for (const [name, value] of Object.entries({
  AAD_APP_OBJECT_ID: app,
  AAD_APP_TENANT_ID: tenant,
  MANAGED_IDENTITY_PRINCIPAL_ID: principal,
})) {
  if (!value) {
    console.error(`${name} is not set: run the aadApp/create and arm/deploy steps first.`);
    process.exit(1);
  }
}
const NAME = 'crm-sync-managed-identity';
const az = (args) => execFileSync('az', args, { encoding: 'utf8' });
let existing;
try {
  existing = JSON.parse(az(['ad', 'app', 'federated-credential', 'list', '--id', app, '--output', 'json']));
} catch (error) {
  console.error(
    `The Azure CLI (az) is needed and must be signed in (az login --tenant ${tenant}): ${error.message}`,
  );
  process.exit(1);
}
if (existing.some((c) => c.name === NAME && c.subject === principal)) {
  console.log('the federated credential for the managed identity exists already');
  process.exit(0);
}
const credential = {
  name: NAME,
  issuer: `https://login.microsoftonline.com/${tenant}/v2.0`,
  subject: principal,
  audiences: ['api://AzureADTokenExchange'],
  description: "CRM Sync's managed identity signs in as this app to call Microsoft Graph",
};
az(['ad', 'app', 'federated-credential', 'create', '--id', app, '--parameters', JSON.stringify(credential)]);
console.log('added the federated credential for the managed identity');
