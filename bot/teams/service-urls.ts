/**
 * Where the bot may send messages. A conversation reference (and every reply) goes to the activity's
 * `serviceUrl` with a bot token attached, so an address outside Teams' own would both leak that token
 * and send a user's notifications to someone else. Teams' documented Bot Framework connector hosts
 * (public cloud, GCC, GCC High, DoD; the Microsoft 365 Agents SDK's `TeamsServiceEndpoints`) are the
 * only ones allowed in Azure mode; the Agents Playground on this machine is the only one in sandbox mode.
 */

export const TEAMS_SERVICE_HOSTS: readonly string[] = [
  'smba.trafficmanager.net',
  'smba.infra.gcc.teams.microsoft.com',
  'smba.infra.gov.teams.microsoft.us',
  'smba.infra.dod.teams.microsoft.us',
];

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** Whether the bot may talk to `serviceUrl`: a Teams host over https, or (sandbox only) this machine. */
export function isAllowedServiceUrl(serviceUrl: unknown, mode: 'azure' | 'sandbox'): boolean {
  if (typeof serviceUrl !== 'string' || serviceUrl.length > 2048) return false;
  let url: URL;
  try {
    url = new URL(serviceUrl);
  } catch {
    return false;
  }
  if (url.username || url.password) return false;
  if (mode === 'sandbox') return LOOPBACK_HOSTS.has(url.hostname);
  return url.protocol === 'https:' && url.port === '' && TEAMS_SERVICE_HOSTS.includes(url.hostname);
}
