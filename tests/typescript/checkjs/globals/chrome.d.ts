// The chrome.* extension APIs that web/extension uses (MV3, Chrome 116+), promise forms only.
// Written here, small, instead of the whole @types/chrome: what is not listed is not used.

declare namespace chrome {
  interface Event<Listener extends (...args: any[]) => unknown> {
    addListener(listener: Listener): void;
  }

  namespace runtime {
    const onInstalled: Event<() => void>;
    const onStartup: Event<() => void>;
    function getURL(path: string): string;
  }

  namespace contextMenus {
    interface OnClickData {
      menuItemId: string | number;
      selectionText?: string;
      pageUrl?: string;
    }
    function create(properties: { id: string; title: string; contexts: string[] }): void;
    const onClicked: Event<(info: OnClickData, tab?: tabs.Tab) => void>;
  }

  namespace tabs {
    interface Tab {
      id?: number;
      windowId: number;
    }
    function create(properties: { url: string }): Promise<Tab>;
  }

  namespace windows {
    function getCurrent(): Promise<{ id?: number }>;
  }

  namespace sidePanel {
    function open(options: { tabId: number } | { windowId: number }): Promise<void>;
  }

  namespace action {
    function setBadgeBackgroundColor(details: { color: string }): Promise<void>;
    function setBadgeText(details: { text: string }): Promise<void>;
    function setTitle(details: { title: string }): Promise<void>;
  }

  namespace storage {
    interface StorageChange {
      oldValue?: any;
      newValue?: any;
    }
    interface StorageArea {
      get(keys: string | string[]): Promise<Record<string, any>>;
      set(items: Record<string, unknown>): Promise<void>;
      remove(keys: string | string[]): Promise<void>;
    }
    const local: StorageArea;
    const onChanged: Event<(changes: Record<string, StorageChange>, areaName: string) => void>;
  }

  namespace alarms {
    interface Alarm {
      name: string;
      periodInMinutes?: number;
    }
    function get(name: string): Promise<Alarm | undefined>;
    function create(name: string, info: { periodInMinutes: number }): Promise<void>;
    const onAlarm: Event<(alarm: Alarm) => void>;
  }
}
