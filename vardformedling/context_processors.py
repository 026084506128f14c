"""Navigation and the active commission for the base layout."""

from vardformedling.rules import active_role

NAV = [
    ("Hitta vårdgivare", "/katalog/sok/", "katalog.sok"),
    ("Lägesbild", "/lagesbild/", "lagesbild.visa"),
    ("Ärenden", "/arenden/", "arenden.visa"),
    ("Avtal", "/avtal/", "avtal.visa"),
    ("Uppföljning", "/uppfoljning/", "uppfoljning.visa"),
]


def portal(request):
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav": [], "aktiv_roll": None}
    path = request.path
    nav = [
        {"text": text, "url": url, "current": path.startswith(url)} for text, url, perm in NAV if user.has_perm(perm)
    ]
    return {"nav": nav, "aktiv_roll": active_role(user), "uppdrag": getattr(request, "uppdrag", None)}
