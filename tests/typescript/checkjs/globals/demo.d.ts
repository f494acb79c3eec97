// The engine demo (web/demo): ui.js's helpers and one object per panel.

declare var ui: {
  $(id: string): any;
  el(tag: string, properties?: Record<string, unknown>, ...children: (Node | string)[]): HTMLElement;
  showSvg(img: HTMLImageElement, svg: string): void;
  error(target: HTMLElement, error: { type?: string; message: string }): void;
  format(value: unknown): string;
};

interface DemoPanel {
  /** Some panels start synchronously (no promise): demo.js wraps the call. */
  start(): Promise<void> | void;
}

declare var graphPanel: DemoPanel;
declare var reviewPanel: DemoPanel;
declare var quantumPanel: DemoPanel;
declare var searchPanel: DemoPanel;
