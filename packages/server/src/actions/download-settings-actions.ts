/**
 * Download settings and app registrations (DESIGN §6, reference §6.1):
 * - SetCustomerConfig / GetCustomerConfig: account-wide `DownloadSwitch` on|off, plus our
 *   extension `DownloadMode` Normal|Secure. Defaults: off, Secure. Also our rental extension
 *   `LicenseDuration`: the default licence of Secure downloads, in seconds (0 = none, the default);
 *   a download's own `LicenseDuration` overrides it (download-license.ts).
 * - ListDownloadSecretKeys / RevokeDownloadSecretKey (our extensions): an app's secret versions;
 *   a revoked version opens no new download and is refused by SDKs that saw the revocation list.
 */
import { apiErrors, catalogued } from '../errors/api-error.js';
import type { ActionHandler } from '../rpc/rpc-plugin.js';
import type { DownloadSecretStore } from '../store/download-secret-store.js';
import type { SettingsStore } from '../store/settings-store.js';
import { canonicalAppIdentification } from '../download/app-identification-param.js';

export interface DownloadConfig {
  downloadSwitch: 'on' | 'off';
  downloadMode: 'Normal' | 'Secure';
  /** Seconds; 0 = Secure downloads carry no licence expiry unless the request asks for one. */
  licenseDuration: number;
}

export const DEFAULT_DOWNLOAD_CONFIG: DownloadConfig = {
  downloadSwitch: 'off',
  downloadMode: 'Secure',
  licenseDuration: 0,
};

/** The longest licence a download or renewal may ask for: 10 years. */
export const MAX_LICENSE_DURATION = 10 * 365 * 86_400;

export function downloadConfigStore(settings: SettingsStore) {
  return {
    async get(): Promise<DownloadConfig> {
      return { ...DEFAULT_DOWNLOAD_CONFIG, ...(await settings.get<DownloadConfig>('downloadConfig')) };
    },
    set: (config: DownloadConfig) => settings.set('downloadConfig', config),
  };
}
export type DownloadConfigStore = ReturnType<typeof downloadConfigStore>;

export function downloadSettingsActions(deps: {
  config: DownloadConfigStore;
  secrets: DownloadSecretStore;
}): Record<string, ActionHandler> {
  const versionsOf = async (app: string) =>
    (await deps.secrets.list(app)).map((v) => ({
      SecretVersion: v.version,
      Status: v.status,
      CreationTime: v.createdAt.replace(/\.\d{3}Z$/, 'Z'),
      RevokedTime: v.revokedAt?.replace(/\.\d{3}Z$/, 'Z') ?? undefined,
    }));

  return {
    SetCustomerConfig: async ({ params }) => {
      const current = await deps.config.get();
      const downloadSwitch = params.oneOf('DownloadSwitch', ['on', 'off'] as const) ?? current.downloadSwitch;
      const downloadMode =
        params.oneOf('DownloadMode', ['Normal', 'Secure'] as const) ?? current.downloadMode;
      const licenseDuration =
        params.integer('LicenseDuration', { min: 0, max: MAX_LICENSE_DURATION }) ?? current.licenseDuration;
      await deps.config.set({ downloadSwitch, downloadMode, licenseDuration });
      return {};
    },

    GetCustomerConfig: async () => {
      const config = await deps.config.get();
      return {
        DownloadSwitch: config.downloadSwitch,
        DownloadMode: config.downloadMode,
        LicenseDuration: config.licenseDuration,
      };
    },

    ListDownloadSecretKeys: async ({ params }) => {
      const raw = params.optional('AppIdentification');
      const apps = raw !== undefined ? [canonicalAppIdentification(raw)] : await deps.secrets.listApps();
      const list = [];
      for (const app of apps) list.push({ AppIdentification: app, Versions: await versionsOf(app) });
      return { AppList: list };
    },

    RevokeDownloadSecretKey: async ({ params }) => {
      const app = canonicalAppIdentification(params.required('AppIdentification'));
      const version = params.integer('SecretVersion', { min: 1, max: 2 ** 31 - 1 });
      if (version === undefined) throw apiErrors.missingParameter('SecretVersion');
      const existing = await deps.secrets.find(app, version);
      if (!existing) {
        throw catalogued('InvalidSecretVersion.NotFound', { app, version });
      }
      await deps.secrets.revoke(app, version);
      return { AppIdentification: app, SecretVersion: version, Status: 'Revoked' };
    },
  };
}
