"""Navigation and the active commission for the base layout."""

from django.urls import reverse

from vardformedling.rules import active_role

# (text, URL name, permission)
NAV = [
    ("Hitta vårdgivare", "katalog:sok", "katalog.sok"),
    ("Lägesbild", "lagesbild:tabell", "lagesbild.visa"),
    ("Ärenden", "arenden:lista", "arenden.visa"),
    ("Inkorg", "arenden:inkorg", "arenden.mottagning"),
    ("Avtal", "avtal:lista", "avtal.visa"),
    ("Uppföljning", "uppfoljning:sida", "uppfoljning.visa"),
    ("Loggkontroll", "arenden:logg", "arenden.loggkontroll"),
]


def portal(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav": [], "aktiv_roll": None}
    path = request.path
    nav: list[dict] = [
        {"text": text, "url": reverse(namn), "current": False} for text, namn, perm in NAV if user.has_perm(perm)
    ]
    # The current page is the longest matching entry: /arenden/logg/ is Loggkontroll, not Ärenden.
    if traffar := [item for item in nav if path.startswith(item["url"])]:
        max(traffar, key=lambda item: len(item["url"]))["current"] = True
    return {"nav": nav, "aktiv_roll": active_role(user), "uppdrag": getattr(request, "uppdrag", None)}
