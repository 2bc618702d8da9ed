"""What the assistant says, in English and Spanish. ``{name}`` fields are filled in.

Kept apart from the logic so that a city can reword them; every key has both languages
(a test checks).
"""

from __future__ import annotations

from typing import Any

REPLIES: dict[str, dict[str, str]] = {
    "greeting": {
        "en": "Hi! I'm Riverton's 311 assistant. I can report a problem (like a pothole or a "
        "missed pickup), answer questions about city services, or check a request if you "
        "give me its number (SR-2026-000123). What can I do for you?",
        "es": "¡Hola! Soy el asistente del 311. Puedo reportar un problema (como un bache o "
        "basura que no recogieron), responder preguntas sobre servicios de la ciudad o "
        "revisar una solicitud si me da su número (SR-2026-000123). ¿En qué le ayudo?",
    },
    "thanks": {
        "en": "You're welcome! Anything else?",
        "es": "¡Con gusto! ¿Algo más?",
    },
    "emergency": {
        "en": "If anyone is in danger, call {number} now. I'm also passing this conversation "
        "to a person at 311.",
        "es": "Si alguien está en peligro, llame al {number} ahora. También paso esta "
        "conversación a una persona del 311.",
    },
    "handover": {
        "en": "I'm passing you to a person at 311. They will answer here as soon as they can "
        "(Monday to Friday 7 am to 7 pm, Saturday 9 am to 1 pm).",
        "es": "Le paso con una persona del 311. Le responderá aquí lo antes posible (de lunes "
        "a viernes de 7 am a 7 pm, sábados de 9 am a 1 pm).",
    },
    "handover_no_answer": {
        "en": "I don't have an answer to that, and I don't want to guess. I'm passing your "
        "question to a person at 311, who will answer here.",
        "es": "No tengo una respuesta para eso y no quiero adivinar. Paso su pregunta a una "
        "persona del 311, que le responderá aquí.",
    },
    "waiting_for_person": {
        "en": "Thanks, I've added that for the person at 311 who will answer here.",
        "es": "Gracias, lo añadí para la persona del 311 que le responderá aquí.",
    },
    "clarify": {
        "en": "I'm not sure I understood. Is it one of these?\n{choices}\nReply with a number, "
        'or describe the problem in other words. Reply "person" to talk to someone.',
        "es": "No estoy seguro de haber entendido. ¿Es alguno de estos?\n{choices}\nResponda "
        'con un número o descríbalo con otras palabras. Escriba "persona" para hablar con '
        "alguien.",
    },
    "answer": {
        "en": '{quote}\n\nFrom "{title}": {url}',
        "es": '{quote}\n\nDe "{title}": {url}',
    },
    "answer_offer_report": {
        "en": "If you'd like to report a problem about this, just tell me what and where.",
        "es": "Si quiere reportar un problema sobre esto, dígame qué pasa y dónde.",
    },
    "back_to_report": {
        "en": "Back to your report:",
        "es": "Volvamos a su reporte:",
    },
    "report_start": {
        "en": 'I can report that as "{service}".',
        "es": 'Puedo reportarlo como "{service}".',
    },
    "notice": {"en": "Note: {notice}", "es": "Aviso: {notice}"},
    "ask_location": {
        "en": 'Where is it? Give an address or the nearest corner, like "1412 Walnut St" or '
        '"Elm St and 5th St".',
        "es": '¿Dónde está? Dé una dirección o la esquina más cercana, como "1412 Walnut St" '
        'o "Elm St y 5th St".',
    },
    "location_unclear": {
        "en": "I need a little more to find the place: a street address or two cross streets.",
        "es": "Necesito un poco más para encontrar el lugar: una dirección o dos calles que "
        "se cruzan.",
    },
    "ask_choice": {
        "en": "{question}\n{choices}\nReply with a number.",
        "es": "{question}\n{choices}\nResponda con un número.",
    },
    "ask_choices": {
        "en": '{question}\n{choices}\nReply with one or more numbers, like "1, 3".',
        "es": '{question}\n{choices}\nResponda con uno o más números, como "1, 3".',
    },
    "ask_value": {"en": "{question}", "es": "{question}"},
    "answer_invalid": {
        "en": "Sorry, I couldn't use that answer ({problem}).",
        "es": "Perdón, no pude usar esa respuesta ({problem}).",
    },
    "ask_photo": {
        "en": 'If you have a photo, send it now. Otherwise reply "skip".',
        "es": 'Si tiene una foto, envíela ahora. Si no, escriba "omitir".',
    },
    "ask_contact": {
        "en": "How should we tell you about progress? Give an email address or a mobile "
        'number, or reply "skip" to report anonymously.',
        "es": "¿Cómo le avisamos del avance? Dé un correo electrónico o un número de celular, "
        'o escriba "omitir" para reportar de forma anónima.',
    },
    "ask_contact_required": {
        "en": "For this we need a way to reply: an email address or a phone number.",
        "es": "Para esto necesitamos una forma de responderle: un correo o un teléfono.",
    },
    "contact_unclear": {
        "en": "That doesn't look like an email address or a phone number. Try again, or "
        'reply "skip".',
        "es": 'Eso no parece un correo ni un teléfono. Inténtelo de nuevo o escriba "omitir".',
    },
    "confirm": {
        "en": "Here is your report:\n{summary}\nShall I send it? (yes / no)",
        "es": "Este es su reporte:\n{summary}\n¿Lo envío? (sí / no)",
    },
    "confirm_unclear": {
        "en": 'Please reply "yes" to send it, or "no" to change something.',
        "es": 'Responda "sí" para enviarlo o "no" para cambiar algo.',
    },
    "change_what": {
        "en": 'What would you like to change? Reply "place", "details" or "contact", or '
        '"cancel" to drop the report.',
        "es": '¿Qué quiere cambiar? Escriba "lugar", "detalles" o "contacto", o '
        '"cancelar" para descartar el reporte.',
    },
    "filed": {
        "en": "Sent! Your request number is {public_id}. Ask me \"what's happening with "
        '{public_id}?" any time to check on it.',
        "es": '¡Enviado! Su número de solicitud es {public_id}. Pregúnteme "¿qué pasa con '
        '{public_id}?" cuando quiera para saber cómo va.',
    },
    "filed_contact": {
        "en": "We will also tell you when its status changes.",
        "es": "También le avisaremos cuando cambie su estado.",
    },
    "not_filed": {
        "en": "I couldn't send it: {problems}",
        "es": "No pude enviarlo: {problems}",
    },
    "cancelled": {
        "en": "OK, I've dropped that. What else can I do for you?",
        "es": "De acuerdo, lo descarté. ¿En qué más le puedo ayudar?",
    },
    "ask_public_id": {
        "en": "What is the request number? It looks like SR-2026-000123.",
        "es": "¿Cuál es el número de la solicitud? Es como SR-2026-000123.",
    },
    "status_unknown": {
        "en": "I can't find a request numbered {public_id}. Please check the number.",
        "es": "No encuentro una solicitud con el número {public_id}. Revise el número, por favor.",
    },
    "status": {
        "en": "{public_id} ({service}{place}), filed {filed}: {status}.",
        "es": "{public_id} ({service}{place}), presentada el {filed}: {status}.",
    },
    "status_expected": {
        "en": "Expected by {expected}.",
        "es": "Fecha prevista: {expected}.",
    },
    "status_updates": {
        "en": "Latest updates:\n{updates}",
        "es": "Últimas novedades:\n{updates}",
    },
}

WORDS: dict[str, dict[str, frozenset[str]]] = {
    "yes": {
        "en": frozenset(
            {
                "yes",
                "y",
                "yeah",
                "yep",
                "sure",
                "ok",
                "okay",
                "send",
                "send it",
                "correct",
                "right",
                "si",
            }
        ),
        "es": frozenset(
            {
                "si",
                "sí",
                "s",
                "claro",
                "vale",
                "ok",
                "envialo",
                "envíalo",
                "enviar",
                "correcto",
                "yes",
            }
        ),
    },
    "no": {
        "en": frozenset({"no", "n", "nope", "nah", "change", "wrong", "not yet"}),
        "es": frozenset({"no", "n", "cambiar", "incorrecto", "todavia no", "todavía no"}),
    },
    "skip": {
        "en": frozenset(
            {"skip", "no", "none", "no thanks", "anonymous", "pass", "no photo", "omitir", "nope"}
        ),
        "es": frozenset(
            {"omitir", "no", "ninguno", "anonimo", "anónimo", "sin foto", "no gracias", "skip"}
        ),
    },
    "cancel": {
        "en": frozenset(
            {"cancel", "stop", "start over", "restart", "quit", "forget it", "cancelar"}
        ),
        "es": frozenset(
            {"cancelar", "parar", "empezar de nuevo", "olvidalo", "olvídalo", "cancel"}
        ),
    },
    "place": {
        "en": frozenset({"place", "location", "address", "where", "lugar"}),
        "es": frozenset({"lugar", "ubicacion", "ubicación", "direccion", "dirección", "place"}),
    },
    "details": {
        "en": frozenset({"details", "answers", "detail", "detalles"}),
        "es": frozenset({"detalles", "respuestas", "details"}),
    },
    "contact": {
        "en": frozenset({"contact", "email", "phone", "contacto"}),
        "es": frozenset({"contacto", "correo", "telefono", "teléfono", "contact"}),
    },
}


def say(key: str, language: str, **fields: Any) -> str:
    texts = REPLIES[key]
    return texts.get(language, texts["en"]).format(**fields)


def is_word(kind: str, text: str, language: str) -> bool:
    cleaned = text.strip().lower().strip(".!¡¿? ")
    return cleaned in WORDS[kind].get(language, WORDS[kind]["en"]) or cleaned in WORDS[kind]["en"]
