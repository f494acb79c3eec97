// web/pwa.js's global, for the pages that include it.

declare var PrometheusPWA: {
  updateAvailable: boolean;
  registration: Promise<ServiceWorkerRegistration>;
  on(type: "update" | "updated" | "cache-error", listener: (detail: any) => void): typeof PrometheusPWA;
  applyUpdate(): Promise<boolean>;
  version(): Promise<string | null>;
};
