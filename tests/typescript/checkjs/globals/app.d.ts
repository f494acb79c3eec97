// The learner's app (web/app): the toolkit core.js defines as `App`, which content.js,
// collection.js and main.js extend, and the vendored DOMPurify (build/vendor_js.py) as it is used.

interface AppScreen {
  title: string;
  /** Renders into `view`; may return a cleanup function (called when the screen is left). */
  render(view: HTMLElement, arg: string | null, query: URLSearchParams): unknown;
}

interface AppProgress {
  node: HTMLElement;
  set(fraction: number | null, message?: string): void;
  done(message?: string): void;
}

interface AppToolkit {
  screens: Record<string, AppScreen>;
  /** The app shell (shell.js): the last known Today counts, shown before the engine is ready. */
  shell?: { remember(stats: unknown): void; recall(): any; show(view: HTMLElement): void };
  /** The Today screen's content for `stats` (today.js); `cached`: the shell's kept copy, marked loading. */
  todayView?(stats: any, cached?: any): HTMLElement[];
  screen(name: string, definition: AppScreen): void;
  el<K extends keyof HTMLElementTagNameMap>(tag: K, attributes?: Record<string, unknown> | null, ...children: unknown[]): HTMLElementTagNameMap[K];
  call: PageCall;
  describe(error: unknown): string;
  errorBox(error: unknown): HTMLElement;
  toast(message: string, kind?: string): void;
  progress(label?: string): AppProgress;
  withProgress<T>(slot: HTMLElement, label: string, work: (bar: AppProgress) => Promise<T>): Promise<T>;
  svgImage(svg: string, alt: string, className?: string): HTMLImageElement;
  download(filename: string, data: BlobPart, type: string): void;
  interval(seconds: number): string;
  percent(value: number | null | undefined): string;
  header(title: string, subtitle?: string | null, ...actions: Node[]): HTMLElement;
  stat(label: string, value: unknown, hint?: string | null): HTMLElement;
  /** Added by content.js (loaded after core.js). */
  content?: {
    render(text: string, isHtml: boolean, className?: string): HTMLElement;
    plain(text: string, isHtml: boolean): string;
    isHtml(card: { html_fields?: unknown }): boolean;
  };
  /** Added by collection.js. */
  collection?: {
    load(): Promise<any>;
    invalidate(): void;
    cardText(card: any): string;
    cardTitle(card: any): string;
  };
  /** Added by main.js. */
  refresh?(): Promise<void>;
  go?(hash: string): void;
}

declare var App: AppToolkit;

interface DOMPurifyConfig {
  FORBID_TAGS?: string[];
  FORBID_ATTR?: string[];
  ALLOW_DATA_ATTR?: boolean;
  RETURN_DOM_FRAGMENT?: boolean;
  USE_PROFILES?: { svg?: boolean; html?: boolean };
}

declare var DOMPurify: {
  sanitize(dirty: string): string;
  sanitize(dirty: string, config: DOMPurifyConfig & { RETURN_DOM_FRAGMENT: boolean }): DocumentFragment;
  addHook(entryPoint: "afterSanitizeAttributes", hook: (node: Element) => void): void;
};
