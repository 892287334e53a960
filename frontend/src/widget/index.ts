// Placeholder entry; the widget engineer replaces this file.
export {};
