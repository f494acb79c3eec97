// web/sw.js runs as a service worker: TypeScript's "WebWorker" lib types `self` as a plain
// WorkerGlobalScope, so the service worker's members and events are added to it here (in this
// project only).

interface PwaFile {
  sha256: string;
  bytes: number;
  precache: boolean;
}

/** sw-manifest.js, written by build/pwa_manifest.py. */
interface PwaBuild {
  version: string;
  files: Record<string, PwaFile>;
}

interface WorkerGlobalScope {
  readonly registration: ServiceWorkerRegistration;
  readonly clients: Clients;
  skipWaiting(): Promise<void>;
  PROMETHEUS_PWA: PwaBuild;
  addEventListener(type: "install" | "activate", listener: (event: ExtendableEvent) => void): void;
  addEventListener(type: "fetch", listener: (event: FetchEvent) => void): void;
  addEventListener(type: "message", listener: (event: ExtendableMessageEvent) => void): void;
}
