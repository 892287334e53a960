"""Default texts the runtime adds by itself (operator button, re-prompts), per scenario language."""

from __future__ import annotations

DEFAULT_OPERATOR_KEYWORDS: tuple[str, ...] = ("operator", "оператор", "человек", "менеджер", "human", "agent")

_TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "operator_label": "Call operator",
        "fallback_text": "Please choose one of the buttons.",
        "operator_offer": "If you'd rather talk to a person, press “{label}”.",
        "operator_offer_keyword": "If you'd rather talk to a person, type “{keyword}”.",
        "invalid_text": "Please enter a text answer.",
        "invalid_number": "Please enter a number.",
        "invalid_email": "Please enter a valid e-mail address, like name@example.com.",
        "invalid_phone": "Please enter a phone number in international format, like +44 20 7946 0958.",
        "invalid_date": "Please enter a date, like 2026-12-31 or 31.12.2026.",
        "invalid_choice": "Please choose one of the options.",
        "rating_invalid": "Please rate from 1 to 5.",
        "comment_prompt": "Would you like to add a comment?",
        "skip": "Skip",
        "thanks": "Thank you for your feedback!",
        "already_queued": "You are already in the queue: number {position}. An operator will answer you soon.",
    },
    "ru": {
        "operator_label": "Позвать оператора",
        "fallback_text": "Пожалуйста, выберите один из вариантов.",
        "operator_offer": "Если хотите поговорить с человеком, нажмите «{label}».",
        "operator_offer_keyword": "Если хотите поговорить с человеком, напишите «{keyword}».",
        "invalid_text": "Пожалуйста, напишите ответ текстом.",
        "invalid_number": "Пожалуйста, введите число.",
        "invalid_email": "Пожалуйста, введите корректный e-mail, например name@example.com.",
        "invalid_phone": "Пожалуйста, введите номер в международном формате, например +7 999 123-45-67.",
        "invalid_date": "Пожалуйста, введите дату, например 31.12.2026.",
        "invalid_choice": "Пожалуйста, выберите один из вариантов.",
        "rating_invalid": "Пожалуйста, поставьте оценку от 1 до 5.",
        "comment_prompt": "Хотите оставить комментарий?",
        "skip": "Пропустить",
        "thanks": "Спасибо за отзыв!",
        "already_queued": "Вы уже в очереди: номер {position}. Оператор скоро ответит.",
    },
}


def text(language: str, key: str) -> str:
    lang = (language or "en").split("-")[0].lower()
    return _TEXTS.get(lang, _TEXTS["en"])[key]
