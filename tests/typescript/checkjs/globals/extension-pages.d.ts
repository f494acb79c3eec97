// The engine pages' cross-file globals (panel.html, dashboard.html): engine.js, search-index.js
// and panel.js.

type StoreRole = "writer" | "reader";

declare var PrometheusPages: {
  /** A method this build of the engine lacks (shown on the page, not an error). */
  Missing: new (message?: string) => Error;
  readonly READER_NOTE: string;
  role(): StoreRole;
  onRole(apply: (role: StoreRole) => void): Promise<void>;
  start(status: HTMLElement): Promise<Capabilities>;
  /** The method name and params are checked; the result is `any` (see PageCall in sdk-calls.d.ts). */
  call<M extends MethodName>(method: M, params?: ParamsOf<M>): Promise<any>;
  refreshSummary(): Promise<ExtensionSummary | null>;
  guarded<T>(where: HTMLElement, work: () => Promise<T>): Promise<T | undefined>;
};

interface IndexedCardHit {
  id: string;
  front: string;
  back: string;
  concepts: string[];
  score: number;
}

declare var PrometheusIndex: {
  ready(): Promise<void>;
  add(cards: { id: string; front: string; back: string }[]): Promise<void>;
  search(query: string, k?: number): Promise<IndexedCardHit[]>;
};

declare var PrometheusPanel: {
  show(view: string): void;
  nextCard(): Promise<void>;
  suggest(): Promise<void>;
};
