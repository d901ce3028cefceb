import { CONTAINERS } from '../store/containers.ts';
import { type Collection, type Doc, type Store, tenantPartition } from '../store/store.port.ts';

/**
 * The organization's switch (the seeds' "enabled at the backend"): an admin turns CRM Sync on or off
 * for the whole tenant. Off means off everywhere: the sync engine runs nothing for the tenant,
 * nobody turns sync on, and change notifications stop.
 */

interface TenantDoc extends Doc {
  enabled: boolean;
  enabledBy?: string;
  enabledAt?: string;
}

export class TenantSwitch {
  private readonly tenants: Collection<TenantDoc>;

  constructor(store: Store) {
    this.tenants = store.collection<TenantDoc>(CONTAINERS.settings);
  }

  /** The switch and who set it last. */
  async get(tenantId: string): Promise<{ enabled: boolean; enabledBy?: string; enabledAt?: string }> {
    const doc = (await this.tenants.read(tenantPartition(tenantId), 'tenant'))?.value;
    return {
      enabled: doc?.enabled === true,
      ...(doc?.enabledBy ? { enabledBy: doc.enabledBy } : {}),
      ...(doc?.enabledAt ? { enabledAt: doc.enabledAt } : {}),
    };
  }

  async enabled(tenantId: string): Promise<boolean> {
    return (await this.get(tenantId)).enabled;
  }

  async set(tenantId: string, enabled: boolean, by: string): Promise<void> {
    await this.tenants.upsert({
      id: 'tenant',
      pk: tenantPartition(tenantId),
      enabled,
      enabledBy: by,
      enabledAt: new Date().toISOString(),
    });
  }
}

/** What users are told when their organization has CRM Sync off. */
export const TENANT_DISABLED_MESSAGE =
  'CRM Sync is not enabled for your organization yet; your admin can enable it.';
