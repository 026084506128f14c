"""The permission matrix: role × action, written once. README shows the same table (a test keeps them equal).

Permissions depend on the *active* commission (medarbetaruppdrag), not on every role the user holds.
Which cases a user may see (own region, own unit) is decided by querysets in `arenden`, not here.
"""

import rules

from vardformedling.models import Roll

V, K, A, M = Roll.VARDLOTS, Roll.KOORDINATOR, Roll.ADMINISTRATOR, Roll.MOTTAGARE

# action: (Swedish description, roles that may do it)
MATRIX: dict[str, tuple[str, frozenset[str]]] = {
    "notiser.visa": ("Se notiser och markera dem lästa", frozenset({V, K, A, M})),
    "katalog.sok": ("Hitta vårdgivare, se vårdenheter", frozenset({V, K, A})),
    "katalog.kapacitet": ("Se och publicera kapacitetsannonser", frozenset({V, K, A, M})),
    "katalog.importera": ("Ladda upp katalogutdrag", frozenset({A})),
    "lagesbild.visa": ("Se lägesbild och väntetider", frozenset({V, K, A, M})),
    "lagesbild.importer": ("Se och starta registerimporter", frozenset({A})),
    "avtal.visa": ("Se avtal och volymer", frozenset({V, K, A, M})),
    "avtal.ladda_upp": ("Ladda upp avtalsfiler", frozenset({A})),
    "avtal.samverkan": ("Ändra samverkansvillkor på egna avtal", frozenset({K})),
    "avtal.leveransplan": (
        "Se leveransplaner (koordinator och administratör lägger in och följer upp, mottagande enhet ser inflödet)",
        frozenset({K, A, M}),
    ),
    "avtal.rapportera_volym": ("Rapportera volym utanför portalen (avtalsägare / mottagande enhet)", frozenset({K, M})),
    "arenden.visa": ("Se ärenden (egen region / egen enhet)", frozenset({V, K, M})),
    "arenden.registrera": ("Registrera och driva ärenden", frozenset({V, K})),
    "arenden.tilldela": ("Tilldela ärenden till handläggare", frozenset({K})),
    "arenden.vantelista": ("Läsa in väntelistor och förmedla proaktivt", frozenset({K})),
    "arenden.mottagning": (
        "Öppna och kvittera remisser i inkorgen, bekräfta remiss och rapportera utförd vård",
        frozenset({M}),
    ),
    "arenden.fakturera": ("Registrera fakturarader på ärenden (mottagande enhet)", frozenset({M})),
    "arenden.attestera": ("Godkänna eller bestrida fakturarader (hemregionen)", frozenset({K})),
    "arenden.avrakning": ("Se avräkning per månad", frozenset({K, M})),
    "arenden.patientmallar": ("Anpassa regionens texter till patienter (bekräftelser, post)", frozenset({K})),
    "arenden.loggkontroll": ("Granska åtkomstloggen (loggkontroll)", frozenset({K})),
    "uppfoljning.visa": ("Se uppföljningsstatistik", frozenset({K, A})),
}


def active_role(user) -> str | None:
    uppdrag = getattr(user, "uppdrag_aktivt", None)
    return uppdrag.roll if uppdrag else None


def _role_in(roles: frozenset[str]):
    @rules.predicate
    def predicate(user) -> bool:
        return bool(user and user.is_authenticated) and active_role(user) in roles

    return predicate


for _action, (_text, _roles) in MATRIX.items():
    rules.add_perm(_action, _role_in(_roles))
