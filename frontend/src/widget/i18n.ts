// Widget UI strings. The visitor's browser language picks the table; anything not Russian gets English.

const en = {
  open: "Open chat",
  close: "Close chat",
  title: "Chat with us",
  placeholder: "Type a message…",
  send: "Send",
  operator: "Call operator",
  queue: (n: number) => `You are #${n} in the queue`,
  wait: (m: number) => (m < 1 ? "an operator will answer in under a minute" : `expected wait ~${m} min`),
  typing: "Operator is typing…",
  reconnecting: "Connection lost. Reconnecting…",
  unavailable: "This chat is not available on this site",
  file: "Download file",
  unread: (n: number) => `${n} unread`,
  messages: "Messages",
  error: "Something went wrong",
  rateLimited: "Too many messages or new chats in a short time. Please wait a moment and try again.",
  // System events the server records in English (the inbox words them for the operator, this for the visitor).
  joined: (name: string) => `${name} joined the chat`,
  resolved: "The conversation was resolved.",
};

export type Strings = typeof en;

const ru: Strings = {
  open: "Открыть чат",
  close: "Закрыть чат",
  title: "Напишите нам",
  placeholder: "Введите сообщение…",
  send: "Отправить",
  operator: "Позвать оператора",
  queue: (n) => `Вы №${n} в очереди`,
  wait: (m) => (m < 1 ? "оператор ответит меньше чем через минуту" : `ожидание ~${m} мин`),
  typing: "Оператор печатает…",
  reconnecting: "Нет связи. Переподключаемся…",
  unavailable: "Этот чат недоступен на этом сайте",
  file: "Скачать файл",
  unread: (n) => `Непрочитанных: ${n}`,
  messages: "Сообщения",
  error: "Что-то пошло не так",
  rateLimited: "Слишком много сообщений или новых чатов за короткое время. Подождите немного и попробуйте снова.",
  joined: (name) => `${name} подключился к чату`,
  resolved: "Диалог завершён.",
};

export function pickStrings(lang: string | undefined): Strings {
  return (lang || "").toLowerCase().startsWith("ru") ? ru : en;
}
