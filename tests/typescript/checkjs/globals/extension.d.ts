// summary.js's global: loaded by the extension's service worker (background.js) and its pages.

/** The counts the badge and the popup show (learn.stats), from the day they were taken. */
interface ExtensionSummary {
  updated: number;
  day: string;
  cards: number;
  reviews: number;
  due_today: number;
  new_today: number;
}

/** A card being written in the editor (the context menu's selection, then the learner's typing). */
interface CardDraft {
  front: string;
  back: string;
  source?: string;
  created?: number;
  edited?: number;
}

declare var PrometheusSummary: {
  readonly SUMMARY: string;
  readonly DRAFT: string;
  localDay(time: number): string;
  fromStats(stats: unknown, now?: number): ExtensionSummary;
  write(stats: unknown): Promise<ExtensionSummary>;
  read(): Promise<ExtensionSummary | null>;
  badge(summary: ExtensionSummary | null, now?: number): { text: string; stale: boolean };
  readDraft(): Promise<CardDraft | null>;
  writeDraft(draft: CardDraft | null): Promise<void>;
};

