"""Whether a patient's message is in a language other than English.

The assistant answers in English only; a message in another language gets,
every time, a short notice in English and Spanish with the clinic's number
(policies/conversation_state.py). Word lists rather than a statistical
detector: patients' messages are often one to three words ("gracias",
"hola, cuánto cuesta"), where detectors such as langdetect or fastText's
lid model guess, and where a list of the languages patients write in is
predictable and testable.
"""

from __future__ import annotations

import re

# Common function words of languages patients might write in; an English
# message rarely has two different ones, and has more English ones besides.
FOREIGN_WORDS = set(
    """el la los las que es por para con una del duele cuanto cuánto puedo tengo
    le les des est pour avec une je suis combien peut mal der die das ist nicht
    und ich mit wie viel kann o os um uma não nao com dói quanto posso il che
    sono per non di estoy necesito quiero cuesta piel cara mi usted puede ayudar
    hacer tratamiento sesiones cicatrices manchas precio cita hablar""".split()
)
# Words that are never English: one is enough in a short message.
UNMISTAKABLE = set(
    """gracias hola buenos buenas adiós adios favor español espanol hablo habla
    ayuda ayúdame necesito cuánto cuánta cuántas cuántos duele tengo estoy
    merci bonjour oui français danke bitte hallo deutsch obrigado obrigada olá
    português grazie ciao buongiorno italiano""".split()
)
ENGLISH_WORDS = set(
    """the is it does do a an i you my me how what when can will and to of in for
    on with after long much many it's im i'm""".split()
)
ASCII_LETTER = re.compile(r"[A-Za-z]")
SHORT = 4  # words


def looks_non_english(text: str) -> bool:
    """Mostly non-Latin letters, several function words of other languages, or
    a short message with a word no English sentence has."""
    letters = [ch for ch in text if ch.isalpha()]
    if letters and sum(1 for ch in letters if ASCII_LETTER.match(ch)) / len(letters) < 0.5:
        return True
    tokens = re.findall(r"[\w']+", text.lower())
    words = set(tokens)
    foreign, english = len(words & FOREIGN_WORDS), len(words & ENGLISH_WORDS)
    if foreign >= 2 and foreign > english:
        return True
    return len(tokens) <= SHORT and bool(words & UNMISTAKABLE) and not english
